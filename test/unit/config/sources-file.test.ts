import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseSourcesFile } from '../../../src/config/sources-file.js';
import { runCliCaptured } from '../../helpers/run-cli-captured.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// Shaped like the platform's own sources file: fields streamvault does not read are left alone.
const PLATFORM_SOURCES = `
# Sample grouping definitions.
sources:
  testing:
    partition_unit: year
    expire_events_after: 7 days
    description: Files submitted during testing
    exclude_from_backup: true
    elastic:
      number_of_replicas: 2
    references:
      - name: user
        required: true
    kafka:
      config:
        segment.bytes: "1073741824"
  incidents:
    expire_events_after: "0"
    description: Incident response
  samples:
    description: Generic source
  virustotal:
    expire_events_after: 3 months
    exclude_from_backup: true
  watch:
    expire_events_after: 2 weeks
    exclude_from_backup: false
`;

const file = (text: string) => {
  const path = join(makeTempDir('sources-file-'), 'sources.yaml');
  writeFileSync(path, text);
  return path;
};
const base = { STREAMVAULT_S3_BUCKET: 'backup-bucket', STREAMVAULT_EVENT_TYPES: 'sourced', STREAMVAULT_EXTRA_PAIRS: '' };

describe('STREAMVAULT_SOURCES_FILE', () => {
  it('backs up every source the file does not exclude, and reads each one\'s retention', () => {
    const result = loadConfig({ ...base, STREAMVAULT_SOURCES_FILE: file(PLATFORM_SOURCES) });
    expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
    if (!result.ok) return;
    expect(result.config.pairs.map((p) => p.source)).toEqual(['incidents', 'samples', 'watch']);
    const day = 86_400_000;
    expect(result.config.sourcesFromFile).toEqual([
      { name: 'testing', excludeFromBackup: true, expireEventsAfterMs: 7 * day },
      { name: 'incidents', excludeFromBackup: false, expireEventsAfterMs: -1 },
      { name: 'samples', excludeFromBackup: false, expireEventsAfterMs: -1 },
      { name: 'virustotal', excludeFromBackup: true, expireEventsAfterMs: 90 * day },
      { name: 'watch', excludeFromBackup: false, expireEventsAfterMs: 14 * day },
    ]);
  });

  it('is refused together with STREAMVAULT_SOURCES, even an empty one', () => {
    for (const sources of ['samples', '']) {
      const result = loadConfig({ ...base, STREAMVAULT_SOURCES: sources, STREAMVAULT_SOURCES_FILE: file(PLATFORM_SOURCES) });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toEqual([
        {
          variable: 'STREAMVAULT_SOURCES / STREAMVAULT_SOURCES_FILE',
          expected: 'expected one of them, not both (the file lists the sources, and which are excluded from backup)',
          received: 'both set',
        },
      ]);
    }
  });

  it('lists every problem of the file at once, with where it is, next to the other variables\' problems', () => {
    const path = file(`sources:
  testing:
    expire_events_after: seven days
  samples:
    exclude_from_backup: "yes"
  watch:
    expire_events_after: " 7 days"
  "bad name":
    description: x
`);
    const result = loadConfig({ ...base, STREAMVAULT_SOURCES_FILE: path, STREAMVAULT_BATCH_MAX_EVENTS: '0' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fileProblems = result.problems.filter((p) => p.variable === 'STREAMVAULT_SOURCES_FILE').map((p) => p.expected);
    expect(fileProblems).toHaveLength(4);
    expect(fileProblems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^.*sources\.yaml: sources\.testing\.expire_events_after: expected "0" or "<number> days\|weeks\|months\|years"/),
        expect.stringMatching(/sources\.samples\.exclude_from_backup: expected true or false$/),
        expect.stringMatching(/sources\.watch\.expire_events_after: expected "0"/),
        expect.stringMatching(/sources\.bad name: expected a source name/),
      ]),
    );
    expect(result.problems.some((p) => p.variable === 'STREAMVAULT_BATCH_MAX_EVENTS')).toBe(true);
  });

  it('says what is wrong with a missing file, a YAML syntax error and a file of another shape', () => {
    const missing = loadConfig({ ...base, STREAMVAULT_SOURCES_FILE: '/nonexistent/sources.yaml' });
    expect(!missing.ok && missing.problems).toEqual([
      { variable: 'STREAMVAULT_SOURCES_FILE', expected: '/nonexistent/sources.yaml: expected a readable file, got ENOENT', received: '' },
    ]);
    expect(parseSourcesFile('sources: [a, b')).toMatchObject({ ok: false, problems: [expect.stringMatching(/^expected YAML, got a syntax error/)] });
    expect(parseSourcesFile('- a\n- b\n')).toEqual({ ok: false, problems: ["(file): expected a mapping with a `sources:` key, as the platform's sources file has"] });
    expect(parseSourcesFile('sources: [a]\n')).toEqual({ ok: false, problems: ['sources: expected a mapping of source names to their settings'] });
    expect(parseSourcesFile('sources: {}\n')).toEqual({ ok: false, problems: ['sources: expected at least one source'] });
  });

  it('makes the CLI exit 2 with every problem on stderr before it connects anywhere', async () => {
    const path = file('sources:\n  testing:\n    exclude_from_backup: maybe\n');
    const run = await runCliCaptured(['backup', '--once'], {
      ...base,
      STREAMVAULT_KAFKA_BROKERS: '127.0.0.1:1',
      STREAMVAULT_SOURCES_FILE: path,
      STREAMVAULT_PLATFORM: 'azul',
    });
    expect(run.code).toBe(2);
    expect(run.err).toContain(`STREAMVAULT_SOURCES_FILE: ${path}: sources.testing.exclude_from_backup: expected true or false`);
    expect(run.err).toContain('STREAMVAULT_PLATFORM_PREFIX: expected the platform\'s prefix');
  });
});
