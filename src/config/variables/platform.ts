import { PLATFORM_NAMES, PLATFORM_PRESETS } from '../platform-presets.js';
import { oneOf, text, variable } from '../variable.js';

export const platformVariables = {
  PLATFORM: variable({
    name: 'PLATFORM',
    schema: oneOf(PLATFORM_NAMES),
    default: 'none',
    group: 'general',
    description: `Preset of the platform streamvault runs beside: \`none\`, or ${Object.values(PLATFORM_PRESETS)
      .map((p) => `\`${p.name}\` (${p.description})`)
      .join(', ')}. It only changes defaults: every variable set explicitly wins. What it sets: \`STREAMVAULT_PLATFORM=azul:\` under each variable in --help, and the last table of the README's configuration reference.`,
  }),
  PLATFORM_PREFIX: variable({
    name: 'PLATFORM_PREFIX',
    schema: text().refine((s) => /^[A-Za-z0-9._-]*$/.test(s), {
      message: 'expected letters, digits, ".", "_" or "-" (it becomes part of topic names)',
    }),
    default: '',
    group: 'general',
    description: 'The `{prefix}` of the preset\'s topic names (the platform deployment\'s name, e.g. `prod`). Required when STREAMVAULT_PLATFORM is not `none`.',
  }),
};
