// Rules that are not provider formats: the user's own stored values, random-looking values
// assigned to secret-sounding names, and secrets in public environment variables.
import type { RuleMeta } from './types';

export const META_RULES: RuleMeta[] = [
  {
    id: 'known-value',
    provider: 'Your API Keys',
    title: 'Value of one of your stored API keys',
    keyName: 'API_KEY',
    description:
      'The exact value of a key stored in the API Keys view appears in the file, as it is or encoded (JSON-escaped, URL-encoded, hex, base64 or base64url at any position, a printed Buffer). Values shorter than 8 characters are not matched. Public-by-design values (Stripe `pk_`, Mapbox `pk.`, Supabase anon keys) are not reported.',
    samples: {
      positive: ['const v = "{{known}}";', 'fetch(url, { headers: { "x-custom": "prefix-{{known}}" } });'],
      negative: ['const v = "Kv8qZr2LmX";'],
    },
  },
  {
    id: 'generic-secret',
    provider: 'unknown',
    title: 'High-entropy secret',
    keyName: 'API_KEY',
    description:
      'A random-looking string (16+ characters, letters and digits, Shannon entropy above the measured threshold) assigned to a secret-sounding name such as `apiKey`, `SECRET`, `authToken`, `password` or `Authorization`: in an assignment, an object property, a JSON key, an HTML or JSX attribute, a TypeScript-annotated declaration, a fallback after `process.env.X ||`, or a URL query (`?api_key=…`). Identifiers made of words, placeholders, references and public-by-design keys are not reported.',
    samples: {
      positive: [
        'const apiKey = "{{alnum:32}}";',
        'fetch(`/search?api_key={{alnum:24}}&q=1`);',
        'const token = process.env.TOKEN || "{{alnum:40}}";',
      ],
      negative: [
        'const apiKey = "FlowPasswordRequiredResultV2";',
        'const apiKey = process.env.API_KEY;',
        'const passwordField = "{{alnum:24}}";',
        '"integrity": "sha512-{{b64:86}}=="',
      ],
    },
  },
  {
    id: 'public-env-secret',
    provider: 'Environment',
    title: 'Secret in a public environment variable',
    keyName: 'API_KEY',
    description:
      'In a `.env*` file, a secret is held by a variable that the build inlines into the browser bundle because of its prefix (`VITE_`, `NEXT_PUBLIC_`, `REACT_APP_`, `PUBLIC_`, `EXPO_PUBLIC_`, `NUXT_PUBLIC_`, `GATSBY_`, `VUE_APP_`). Anyone who loads the site can read it.',
    samples: {
      positive: [
        { kind: 'env', text: 'VITE_STRIPE_SECRET=sk_live_{{alnum:24}}\n' },
        { kind: 'env', text: 'NEXT_PUBLIC_API_TOKEN="{{alnum:32}}"\n' },
      ],
      negative: [
        { kind: 'env', text: 'STRIPE_SECRET=sk_live_{{alnum:24}}\nVITE_API_URL=https://api.example.org\n' },
        { kind: 'env', text: 'VITE_STRIPE_KEY=pk_live_{{alnum:24}}\n' },
      ],
    },
  },
];
