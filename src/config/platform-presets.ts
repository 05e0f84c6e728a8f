import { DEFAULT_EVENT_TYPE_MAP, PLATFORM_SYSTEM_MODELS } from './event-type-map.js';
import { DEFAULT_REFERENCE_LAYOUT } from './reference-layout.js';

/** The platform's restore request: the blob as body, the hash in the query (not a header). */
export const PLATFORM_STREAM_POST_TEMPLATE = '{base}/api/v3/stream/{source}/{label}?skip-identify=true&expected-sha256={sha256}';

/** The platform's blob URL: a GET answering 200 means it has the stream under that source and label. */
export const PLATFORM_STREAM_EXISTS_TEMPLATE = '{base}/api/v3/stream/{source}/{label}/{sha256}';

/** The platform's binary actions: the event types of every source. */
export const PLATFORM_BINARY_ACTIONS = 'sourced,extracted,augmented,mapped,enriched';

/** The platform's system models restored before the binary events that depend on them. */
export const DEFAULT_RESTORE_PAIR_ORDER = 'system/insert,system/delete,system/*';

export interface PlatformPreset {
  readonly name: string;
  readonly description: string;
  /**
   * Raw values (as an operator would type them), keyed by variable name without `STREAMVAULT_`.
   * `{prefix}` is replaced by STREAMVAULT_PLATFORM_PREFIX; an explicitly set variable wins.
   */
  readonly values: Readonly<Record<string, string>>;
}

export const PLATFORM_PRESETS: Readonly<Record<string, PlatformPreset>> = {
  azul: {
    name: 'azul',
    description:
      'topics `azul.{prefix}.{source}.binary.{action}` for binary events and `azul.{prefix}.system.{model}` for the system models, the platform\'s type map and stream-reference layout, its stream API and restore order',
    values: {
      EVENT_TYPES: PLATFORM_BINARY_ACTIONS,
      // Every system model the platform publishes (the default type map decodes each of them).
      EXTRA_PAIRS: PLATFORM_SYSTEM_MODELS.map((model) => `system/${model.event}`).join(','),
      TOPIC_TEMPLATE: 'azul.{prefix}.{source}.binary.{event}',
      EXTRA_PAIRS_TOPIC_TEMPLATE: 'azul.{prefix}.system.{event}',
      EVENT_TYPE_MAP: DEFAULT_EVENT_TYPE_MAP,
      STREAM_REFERENCE_LAYOUT: DEFAULT_REFERENCE_LAYOUT,
      STREAM_URL_TEMPLATE: '{base}/api/v3/stream/{source}/{label}/{sha256}',
      RESTORE_STREAM_URL_TEMPLATE: PLATFORM_STREAM_POST_TEMPLATE,
      RESTORE_STREAM_EXISTS_URL_TEMPLATE: PLATFORM_STREAM_EXISTS_TEMPLATE,
      RESTORE_PAIR_ORDER: DEFAULT_RESTORE_PAIR_ORDER,
    },
  },
};

export const PLATFORM_NAMES = ['none', ...Object.keys(PLATFORM_PRESETS)] as [string, ...string[]];

/** The preset's values with `{prefix}` filled in. */
export function presetValues(preset: PlatformPreset, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(preset.values).map(([name, value]) => [name, value.replaceAll('{prefix}', prefix)]));
}
