/**
 * HJ 212 debugging tool for integrators (npm run hj212 -- decode|encode [file]).
 *
 *   decode: one frame per line (from the file or stdin) -> one JSON line per frame on stdout:
 *           the parsed fields, or {"ok":false,"error":"…","reason":"…","line":n}.
 *   encode: one JSON line per packet (the decode output shape) -> one frame per line (##…CCCC\r\n).
 *           A line that is not a packet is reported as JSON on stderr.
 * Blank lines are skipped. Exit status 1 when any line was invalid, 0 otherwise; 2 on bad usage.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeLine, encodeLine } from '../inputs/hj212/codec/json.js';

const USAGE = 'usage: hj212 decode|encode [file]   (reads stdin without a file)';

async function main(argv: string[]): Promise<number> {
  const [mode, file, ...extra] = argv;
  if ((mode !== 'decode' && mode !== 'encode') || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  let failed = false;
  let lineNo = 0;
  try {
    for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      const line = raw.replace(/^\uFEFF/, '');
      if (line.trim() === '') continue;
      if (mode === 'decode') {
        const out = decodeLine(line, lineNo);
        if (out.ok !== true) failed = true;
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        const out = encodeLine(line, lineNo);
        if (out.ok) process.stdout.write(out.frame);
        else {
          failed = true;
          process.stderr.write(`${JSON.stringify(out)}\n`);
        }
      }
    }
  } catch (e) {
    process.stderr.write(`hj212: ${(e as Error).message}\n`);
    return 2;
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`hj212: ${String(e)}\n`);
    process.exitCode = 2;
  },
);
