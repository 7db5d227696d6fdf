// docs/doctor.md keeps up with the code: every check and the doctor's exit codes are documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../../../../contract/doctor-report.js';
import { EXIT } from '../../../../../main/core/exit-codes.js';
import { REPO } from '../../../../integration/helpers/processes.js';

describe('docs/doctor.md', () => {
  const doc = readFileSync(join(REPO, 'docs/doctor.md'), 'utf8');

  it('documents every check', () => {
    const missing = CHECK_IDS.filter((id) => !doc.includes(`\`${id}\``));
    expect(missing).toEqual([]);
  });

  it("documents the doctor's exit codes", () => {
    for (const code of [EXIT.ok, EXIT['doctor-warnings'], EXIT['doctor-failures']])
      expect(doc).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
  });
});
