// Invitation short codes as people type them: 8 characters of Crockford's base32
// (`ABCD-EFGH`); case, spaces and dashes do not matter (the server reads O as 0, I and L
// as 1). The server decides whether a code opens anything.

/** `ABCD-EFGH` for what was typed, or null when it cannot be a code. */
export function typedInviteCode (typed: string): string | null {
  const s = typed.replace(/[\s-]/g, '').toUpperCase()
  if (!/^[0-9A-Z]{8}$/.test(s) || /U/.test(s)) return null
  return `${s.slice(0, 4)}-${s.slice(4)}`
}
