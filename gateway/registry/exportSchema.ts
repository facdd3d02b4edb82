import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registryJsonSchema } from './loader.js';

const out = fileURLToPath(new URL('./park.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(registryJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
