// src/sync/openapi.d.ts is generated from the server's committed OpenAPI document: this fails
// when it was not regenerated after the document changed (`npm run api-types`).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

test('the API types are generated from the committed OpenAPI document', () => {
  const script = fileURLToPath(new URL('../../scripts/api-types.mjs', import.meta.url))
  expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow()
}, 30_000)
