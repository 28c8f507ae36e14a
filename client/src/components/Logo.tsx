/** The Slipway mark: a hull on a ramp (inline SVG, no font needed). */
export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false" className="brand-mark">
      <path d="M12 2 L12 14 M12 3 L19 12 L12 12 Z" fill="currentColor" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      <path d="M3 15 H21 L18 19 H6 Z" fill="currentColor" />
      <path d="M2 22 L22 17" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" opacity="0.6" />
    </svg>
  );
}
