// Formats without a distinctive shape (32 hex digits, a UUID, 40 base64 characters): they are
// recognised by the name they are assigned to and the provider named nearby.
import { UUID, type NamedRule } from './types';

export const NAMED_RULES: NamedRule[] = [
  {
    id: 'aws-secret-access-key',
    provider: 'AWS',
    title: 'AWS secret access key',
    keyName: 'AWS_SECRET_ACCESS_KEY',
    description:
      'The secret half of an AWS access key pair (40 characters of base64), assigned to a name such as `AWS_SECRET_ACCESS_KEY` or `secretAccessKey`.',
    samples: {
      positive: ['const creds = { secretAccessKey: "{{b64:40}}" };'],
      negative: ['const creds = { secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };'],
    },
    name: /secret_?access_?key|aws.{0,16}secret/i,
    value: /^[A-Za-z0-9/+]{40}$/,
  },
  {
    id: 'twilio-auth-token',
    provider: 'Twilio',
    title: 'Twilio auth token',
    keyName: 'TWILIO_AUTH_TOKEN',
    description:
      'A Twilio auth token (32 hex digits) assigned to a Twilio-named variable; it controls the whole account.',
    samples: {
      positive: ['const twilioAuthToken = "{{hex:32}}";'],
      negative: ['const twilioAuthToken = "your_auth_token";'],
    },
    name: /auth_?token|secret|token/i,
    value: /^[0-9a-f]{32}$/,
    near: 'twilio',
  },
  {
    id: 'postmark-server-token',
    provider: 'Postmark',
    title: 'Postmark server token',
    keyName: 'POSTMARK_SERVER_TOKEN',
    description:
      'A Postmark server API token (a UUID) passed to `new postmark.ServerClient(…)`, or assigned to a token-named variable or header (`X-Postmark-Server-Token`) in code that mentions Postmark; it sends email through your server.',
    samples: {
      positive: ['const client = new postmark.ServerClient("{{uuid}}");', 'const postmarkToken = "{{uuid}}";'],
      negative: [
        'const requestId = "{{uuid}}";',
        'const client = new postmark.ServerClient(process.env.POSTMARK_SERVER_TOKEN);',
      ],
    },
    name: /token|key|secret/i,
    near: 'postmark',
    value: new RegExp(`^${UUID}$`),
    patterns: [
      { anchor: 'ServerClient(', boundary: false, source: `ServerClient\\([ \\t]{0,4}["'\`](${UUID})["'\`]`, group: 1 },
    ],
  },
  {
    id: 'mistral-api-key',
    provider: 'Mistral',
    title: 'Mistral API key',
    keyName: 'MISTRAL_API_KEY',
    description:
      'A Mistral AI API key (32 letters and digits, no prefix) assigned to a key- or token-named variable in code that mentions Mistral.',
    samples: {
      positive: ['import { Mistral } from "@mistralai/mistralai";\nconst apiKey = "{{alnum:32}}";'],
      negative: ['import { Mistral } from "@mistralai/mistralai";\nconst apiKey = process.env.MISTRAL_API_KEY;'],
    },
    name: /key|token|secret/i,
    value: /^[A-Za-z0-9]{32}$/,
    near: 'mistral',
  },
  {
    id: 'cohere-api-key',
    provider: 'Cohere',
    title: 'Cohere API key',
    keyName: 'COHERE_API_KEY',
    description:
      'A Cohere API key (40 letters and digits, no prefix) assigned to a key- or token-named variable in code that mentions Cohere.',
    samples: {
      positive: ['const cohere = new CohereClient({ token: "{{alnum:40}}" });'],
      negative: ['const cohere = new CohereClient({ token: "<YOUR_COHERE_KEY>" });'],
    },
    name: /key|token|secret/i,
    value: /^[A-Za-z0-9]{40}$/,
    near: 'cohere',
  },
  {
    id: 'plaid-secret',
    provider: 'Plaid',
    title: 'Plaid secret',
    keyName: 'PLAID_SECRET',
    description: 'A Plaid API secret (30 hex digits) assigned to a Plaid-named variable.',
    samples: { positive: ['const plaidSecret = "{{hex:30}}";'], negative: ['const plaidClientId = "{{hex:24}}";'] },
    name: /secret/i,
    value: /^[0-9a-f]{30}$/,
    near: 'plaid',
  },
  {
    id: 'algolia-admin-key',
    provider: 'Algolia',
    title: 'Algolia admin API key',
    keyName: 'ALGOLIA_ADMIN_KEY',
    description:
      'An Algolia admin (or write) API key: 32 hex digits assigned to an admin- or write-named variable near Algolia code. Search-only keys are meant for browsers and are not reported.',
    samples: {
      positive: ['const client = algoliasearch("APPID", adminKey);\nconst adminKey = "{{hex:32}}";'],
      negative: [
        'const searchClient = algoliasearch("{{upnum:10}}", "{{hex:32}}");',
        'const o = { appId: "{{upnum:10}}", apiKey: "{{hex:32}}", indexName: "npm-search" };',
      ],
    },
    name: /admin|write/i,
    value: /^[0-9a-f]{32}$/,
    near: 'algolia',
  },
  {
    id: 'discord-bot-token',
    provider: 'Discord',
    title: 'Discord bot token',
    keyName: 'DISCORD_BOT_TOKEN',
    description:
      'A Discord bot token (three dot-separated base64 parts) assigned to a token-named variable in code that mentions Discord.',
    samples: {
      positive: ['const client = new Discord.Client();\nconst botToken = "M{{b64url:25}}.{{b64url:6}}.{{b64url:38}}";'],
      negative: ['const client = new Discord.Client();\nclient.login(process.env.DISCORD_TOKEN);'],
    },
    name: /token/i,
    near: 'discord',
    value: /^[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}$/,
  },
];
