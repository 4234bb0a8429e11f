// Social, messaging and other web services recognised from the value alone.
import { ALNUM, B64URL, call, type ProviderRule } from './types';

export const SERVICE_FORMATS: ProviderRule[] = [
  {
    id: 'facebook-access-token',
    provider: 'Meta (Facebook)',
    title: 'Facebook access token',
    keyName: 'FACEBOOK_ACCESS_TOKEN',
    keepPrefix: 4,
    description:
      'A Facebook / Meta Graph API user or page access token (`EAA…`, over 100 characters); it posts and reads as the page or user.',
    samples: { positive: [call('EAAM{{alnum:160}}'), call('EAAC{{alnum:120}}')], negative: [call('EAAM{{alnum:40}}')] },
    patterns: [{ anchor: 'EAA', source: `EAA[B-Z][${ALNUM}]{100,1000}` }],
  },
  {
    id: 'twitter-bearer-token',
    provider: 'X (Twitter)',
    title: 'X (Twitter) app bearer token',
    keyName: 'TWITTER_BEARER_TOKEN',
    keepPrefix: 0,
    description: 'An X (Twitter) API app-only bearer token (22 `A`s, then 80–100 characters).',
    samples: { positive: [call('A'.repeat(22) + '{{alnum:90}}')], negative: [call('AAAAAAAAAAAAAAAAAAAAAAAA')] },
    patterns: [{ anchor: 'AAAAAAAAAAAAAAAAAAAAAA', source: `A{22}[${ALNUM}%]{80,100}` }],
    validate: (v) => /[a-z]/.test(v) && /[0-9]/.test(v),
  },
  {
    id: 'new-relic-license-key',
    provider: 'New Relic',
    title: 'New Relic license (ingest) key',
    keyName: 'NEW_RELIC_LICENSE_KEY',
    keepPrefix: 0,
    description: 'A New Relic license key for ingest (40 characters ending in `NRAL`).',
    samples: { positive: [call('{{hex:36}}NRAL')], negative: [call('NRAL')] },
    patterns: [{ anchor: 'NRAL', back: 36, source: `[${B64URL}]{36}NRAL` }],
  },
];
