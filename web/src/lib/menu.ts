// A `<details>` used as a drop-down menu: it closes on Escape (focus back on its summary), on a
// click outside it, and when one of its items is chosen.

/** Attach to the `<details>` element: `{@attach dropdown}`. */
export function dropdown(menu: HTMLDetailsElement): () => void {
  const close = () => {
    menu.open = false;
  };
  const onPointer = (e: PointerEvent) => {
    if (menu.open && !menu.contains(e.target as Node)) close();
  };
  const onKey = (e: KeyboardEvent) => {
    if (menu.open && e.key === 'Escape') {
      close();
      menu.querySelector('summary')?.focus();
    }
  };
  const onChoose = (e: MouseEvent) => {
    if ((e.target as Element).closest('a, button')) close();
  };
  document.addEventListener('pointerdown', onPointer);
  document.addEventListener('keydown', onKey);
  const list = menu.querySelector('ul');
  list?.addEventListener('click', onChoose);
  return () => {
    document.removeEventListener('pointerdown', onPointer);
    document.removeEventListener('keydown', onKey);
    list?.removeEventListener('click', onChoose);
  };
}
