// A QR code of `text`, drawn as one SVG path (no HTML from a library): what a
// facilitator projects or prints so that people join with a phone or a tablet camera.

import qrcode from 'qrcode-generator'

/** The dark modules of `text`'s QR code (error correction M: survives a smudged print). */
export function qrModules (text: string): boolean[][] {
  const qr = qrcode(0, 'M')
  qr.addData(text)
  qr.make()
  const n = qr.getModuleCount()
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)))
}

export function QrCode ({ text, label, size = 220 }: { text: string, label: string, size?: number }) {
  const modules = qrModules(text)
  const n = modules.length
  const quiet = 4 // the white border readers need
  let d = ''
  modules.forEach((row, r) => row.forEach((dark, c) => { if (dark) d += `M${c + quiet},${r + quiet}h1v1h-1z` }))
  const side = n + 2 * quiet
  return (
    <svg class="qr" role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${side} ${side}`} shape-rendering="crispEdges">
      <rect width={side} height={side} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  )
}
