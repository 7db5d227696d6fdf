// Child process for atomic-write.test.ts: rewrites one file with two large payloads, alternately, until it
// is killed. It imports the built module because plain Node cannot load the TypeScript source.
import { createHash } from 'node:crypto';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [modulePath, target, size] = process.argv.slice(2);
const { writeFileAtomic } = await import(pathToFileURL(modulePath).href);

// Same construction as payload() in the test, which compares the file with both documents byte for byte.
const payloads = ['A', 'B'].map((letter) => {
  const body = letter.repeat(Number(size));
  return JSON.stringify({ letter, sha256: createHash('sha256').update(body).digest('hex'), body });
});

for (let round = 0; ; round++) {
  await writeFileAtomic(target, payloads[round % 2]);
  process.stdout.write('w');
}
