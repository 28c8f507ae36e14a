// Keep a scrolling box pinned to its bottom while new content arrives, unless the reader has
// scrolled up to look at something (then leave them there until they come back down).
import { useCallback, useLayoutEffect, useRef, useState } from 'react';

export function useAutoScroll<T extends HTMLElement>(dep: unknown, enabled = true) {
  const ref = useRef<T>(null);
  const [atBottom, setAtBottom] = useState(true);
  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < 40);
  }, []);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && enabled && atBottom) el.scrollTop = el.scrollHeight;
  }, [dep, enabled, atBottom]);
  const toBottom = useCallback(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
    setAtBottom(true);
  }, []);
  return { ref, onScroll, atBottom, toBottom };
}
