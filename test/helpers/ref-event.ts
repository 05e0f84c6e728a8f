import avro from 'avsc';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';

/** The smallest event with the platform's reference layout (source.name, entity.datastreams[]). */
export const REF_EVENT_SCHEMA = {
  name: 'RefEvent',
  type: 'record',
  fields: [
    { name: 'source', type: { name: 'RefSource', type: 'record', fields: [{ name: 'name', type: 'string' }] } },
    {
      name: 'entity',
      type: {
        name: 'RefEntity',
        type: 'record',
        fields: [
          {
            name: 'datastreams',
            type: { type: 'array', items: { name: 'RefStream', type: 'record', fields: [{ name: 'label', type: 'string' }, { name: 'sha256', type: 'string' }] } },
          },
        ],
      },
    },
  ],
};

const refEventType = avro.Type.forSchema(REF_EVENT_SCHEMA as avro.Schema);

/** A RefEvent of `source` referencing `streams`, Avro-encoded. */
export function refEvent(source: string, streams: Array<{ label: string; sha256: string }>): Buffer {
  return refEventType.toBuffer({ source: { name: source }, entity: { datastreams: streams } });
}

/** The daemon's settings for RefEvents: a schema directory holding it, and every event type mapped to it. */
export function refEventSettings(): { STREAMVAULT_EVENT_SCHEMA: string; STREAMVAULT_EVENT_TYPE_MAP: string } {
  const schemaDir = makeTempDir('schema-');
  writeFileSync(join(schemaDir, 'ref-event.json'), JSON.stringify(REF_EVENT_SCHEMA));
  return { STREAMVAULT_EVENT_SCHEMA: schemaDir, STREAMVAULT_EVENT_TYPE_MAP: '*=RefEvent' };
}
