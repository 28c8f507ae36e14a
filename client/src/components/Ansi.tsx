// Text with ANSI colour codes, parsed by anser into segments and rendered as React text spans:
// nothing is ever interpreted as HTML, so "<img src=x onerror=…>" in a log stays text.
import Anser from 'anser';
import { memo } from 'react';

type Seg = { content: string; fg: string; bg: string; decorations: string[] };

function segments(text: string): Seg[] {
  if (!text.includes('\u001b')) return [{ content: text, fg: '', bg: '', decorations: [] }];
  return (Anser.ansiToJson(text, { json: true, remove_empty: true }) as unknown as Seg[]).map((s) => ({
    content: s.content,
    fg: s.fg,
    bg: s.bg,
    decorations: s.decorations ?? [],
  }));
}

const safeRgb = (v: string) => (/^\d{1,3}, \d{1,3}, \d{1,3}$/.test(v) ? `rgb(${v})` : undefined);

export const Ansi = memo(function Ansi({ text }: { text: string }) {
  const segs = segments(text);
  if (segs.length === 1 && !segs[0]!.fg && !segs[0]!.bg && segs[0]!.decorations.length === 0) return <>{segs[0]!.content}</>;
  return (
    <>
      {segs.map((s, i) => {
        const d = s.decorations;
        const style: React.CSSProperties = {
          color: safeRgb(s.fg),
          backgroundColor: safeRgb(s.bg),
          fontWeight: d.includes('bold') ? 600 : undefined,
          fontStyle: d.includes('italic') ? 'italic' : undefined,
          textDecoration: d.includes('underline') ? 'underline' : d.includes('strikethrough') ? 'line-through' : undefined,
          opacity: d.includes('dim') ? 0.7 : undefined,
        };
        return (
          <span key={i} style={style}>
            {s.content}
          </span>
        );
      })}
    </>
  );
});
