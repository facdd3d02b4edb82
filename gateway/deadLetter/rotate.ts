import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, basename } from 'node:path';
import type { DeadLetterBounds } from './config.js';

/**
 * Appends lines to `file`, rotated like logrotate: when the next line would take the file past
 * `maxFileBytes`, file → file.1 … → file.<maxFiles-1>, and the oldest is deleted. The lines deleted are
 * counted (`dropped`) and the count is kept beside the files (<name>.dropped), so it survives restarts.
 * Synchronous (a dead letter is rare next to a reading, and a flood is what this bounds).
 */
export class RotatingFile {
  private bytes = 0;
  private lines = 0;
  /** lines per rotated file, index 1.. */
  private readonly rotatedLines: number[] = [];
  private droppedLines = 0;
  private readonly droppedFile: string;

  constructor(
    private readonly file: string,
    private readonly bounds: DeadLetterBounds,
  ) {
    this.droppedFile = `${file}.dropped`;
  }

  /** the path of the i-th rotated file (0: the current one): dead-letters.jsonl → dead-letters.1.jsonl */
  name(i: number): string {
    if (i === 0) return this.file;
    const ext = extname(this.file);
    return join(dirname(this.file), `${basename(this.file, ext)}.${i}${ext}`);
  }

  /** reads the sizes and counts of what a previous run left */
  open(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const count = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').length - 1 : 0);
    this.bytes = existsSync(this.file) ? statSync(this.file).size : 0;
    this.lines = count(this.file);
    for (let i = 1; i < this.bounds.maxFiles; i++) this.rotatedLines[i] = count(this.name(i));
    // files beyond the bound (the bound was lowered): deleted now, counted as dropped
    for (let i = this.bounds.maxFiles; existsSync(this.name(i)); i++) this.drop(i, count(this.name(i)));
    if (existsSync(this.droppedFile)) this.droppedLines += Number(readFileSync(this.droppedFile, 'utf8').trim()) || 0;
  }

  dropped(): number {
    return this.droppedLines;
  }

  append(line: string): void {
    const size = Buffer.byteLength(line);
    if (this.bytes > 0 && this.bytes + size > this.bounds.maxFileBytes) this.rotate();
    appendFileSync(this.file, line);
    this.bytes += size;
    this.lines++;
  }

  private drop(i: number, lines: number): void {
    unlinkSync(this.name(i));
    this.droppedLines += lines;
    writeFileSync(this.droppedFile, `${this.droppedLines}\n`);
  }

  private rotate(): void {
    const last = this.bounds.maxFiles - 1;
    if (last === 0) {
      this.drop(0, this.lines);
    } else {
      if (existsSync(this.name(last))) this.drop(last, this.rotatedLines[last] ?? 0);
      for (let i = last - 1; i >= 1; i--) {
        if (existsSync(this.name(i))) renameSync(this.name(i), this.name(i + 1));
        this.rotatedLines[i + 1] = this.rotatedLines[i] ?? 0;
      }
      renameSync(this.file, this.name(1));
      this.rotatedLines[1] = this.lines;
    }
    this.bytes = 0;
    this.lines = 0;
  }
}
