import { SAFE_NAME, TOPIC_NAME, type Pair } from './pair.js';

export interface PairSettings {
  sources: readonly string[];
  eventTypes: readonly string[];
  extraPairs: readonly string[];
  topicTemplate: string;
  /** Topic of a pair listed only in the extra pairs; `undefined`: topicTemplate. */
  extraPairsTopicTemplate?: string | undefined;
  topics: string;
}

export type ResolvePairsResult = { ok: true; pairs: Pair[] } | { ok: false; problems: string[] };

/**
 * Expands sources x event types plus the extra pairs, and gives each its topic: an explicit
 * entry in STREAMVAULT_TOPICS, else the template. Duplicates collapse to one worker.
 */
export function resolvePairs(settings: PairSettings): ResolvePairsResult {
  const problems: string[] = [];
  const wanted: Array<{ source: string; event: string; template: string }> = [];
  for (const source of settings.sources) {
    for (const event of settings.eventTypes) wanted.push({ source, event, template: settings.topicTemplate });
  }
  const crossProduct = new Set(wanted.map((w) => `${w.source}/${w.event}`));
  for (const raw of settings.extraPairs) {
    const parsed = parsePairName(raw);
    // A pair also in the cross product keeps the cross product's template.
    if (parsed && crossProduct.has(`${parsed.source}/${parsed.event}`)) continue;
    if (parsed) wanted.push({ ...parsed, template: settings.extraPairsTopicTemplate ?? settings.topicTemplate });
    else problems.push(`STREAMVAULT_EXTRA_PAIRS: expected source/event, got ${JSON.stringify(raw)}`);
  }

  const explicit = new Map<string, string>();
  for (const entry of settings.topics.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, topic, ...rest] = entry.split('=');
    const parsed = name === undefined ? undefined : parsePairName(name.trim());
    if (!parsed || topic === undefined || rest.length > 0 || !TOPIC_NAME.test(topic.trim())) {
      problems.push(`STREAMVAULT_TOPICS: expected source/event=topic, got ${JSON.stringify(entry)}`);
      continue;
    }
    explicit.set(`${parsed.source}/${parsed.event}`, topic.trim());
  }

  const pairs = new Map<string, Pair>();
  for (const { source, event, template } of wanted) {
    for (const [what, name] of [
      ['source', source],
      ['event type', event],
    ] as const) {
      if (!SAFE_NAME.test(name)) {
        problems.push(
          `${what} ${JSON.stringify(name)}: expected letters, digits, '.', '_' or '-' (not starting with '.' or '-')`,
        );
      }
    }
    const id = `${source}/${event}`;
    const topic =
      explicit.get(id) ?? template.replaceAll('{source}', source).replaceAll('{event}', event);
    if (!TOPIC_NAME.test(topic)) {
      problems.push(`topic of ${id}: expected a Kafka topic name ([A-Za-z0-9._-]), got ${JSON.stringify(topic)}`);
    }
    pairs.set(id, { source, event, topic });
  }
  for (const id of explicit.keys()) {
    if (!pairs.has(id)) problems.push(`STREAMVAULT_TOPICS: ${id} is not a configured pair`);
  }
  if (pairs.size === 0) {
    problems.push('no source/event pairs: set STREAMVAULT_SOURCES (or STREAMVAULT_SOURCES_FILE) and STREAMVAULT_EVENT_TYPES, or STREAMVAULT_EXTRA_PAIRS');
  }
  const topics = new Map<string, string>();
  for (const pair of pairs.values()) {
    const other = topics.get(pair.topic);
    if (other) problems.push(`topic ${pair.topic} is used by both ${other} and ${pair.source}/${pair.event}`);
    topics.set(pair.topic, `${pair.source}/${pair.event}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, pairs: [...pairs.values()] };
}

/** `source/event`, each part trimmed, neither empty once trimmed (` /x` is no more a pair than `/x`). */
function parsePairName(raw: string): { source: string; event: string } | undefined {
  const parts = raw.split('/').map((part) => part.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { source: parts[0], event: parts[1] };
}
