
import { text, variable } from '../variable.js';

const keyId = text().refine((s) => s === '' || /^[A-Za-z0-9._-]{1,64}$/.test(s), {
  message: 'expected 1-64 letters, digits, ".", "_" or "-"',
});

export const encryptionVariables = {
  ENCRYPTION_KEY: variable({
    name: 'ENCRYPTION_KEY',
    schema: text(),
    default: '',
    secret: true,
    group: 's3',
    description:
      'Client-side encryption key (AES-256-GCM) of event objects and stream blobs: 32 bytes as 64 hex digits or base64. ' +
      'Empty (and no STREAMVAULT_ENCRYPTION_KEY_FILE): nothing is encrypted. Needs STREAMVAULT_ENCRYPTION_KEY_ID.',
  }),
  ENCRYPTION_KEY_FILE: variable({
    name: 'ENCRYPTION_KEY_FILE',
    schema: text(),
    default: '',
    group: 's3',
    description: 'File holding the encryption key (hex or base64, e.g. a mounted secret), read once at start. Instead of STREAMVAULT_ENCRYPTION_KEY, not with it.',
  }),
  ENCRYPTION_KEY_ID: variable({
    name: 'ENCRYPTION_KEY_ID',
    schema: keyId,
    default: '',
    group: 's3',
    description: 'Id of the encryption key, recorded on every object it seals (header and S3 metadata `encryption-key-id`), so readers pick the key; a new id per new key.',
  }),
  ENCRYPTION_OLD_KEYS_FILE: variable({
    name: 'ENCRYPTION_OLD_KEYS_FILE',
    schema: text(),
    default: '',
    group: 's3',
    description: 'File of older keys, one `<key id>=<key>` a line (`#` comments), read once at start: objects sealed with them stay readable after a rotation. They never seal.',
  }),
};

