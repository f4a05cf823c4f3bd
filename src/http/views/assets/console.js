// The console's one script: progressive enhancement only. Every page works without it; it adds keyboard shortcuts
// (the review page's items and answers, the search field, a help dialog) and a confirm step on marked forms.
(() => {
  /** The review page's answer keys: each item's buttons carry data-key with one of these. */
  const ANSWERS = {
    m: 'Merge into the candidate',
    o: 'Merge the candidate into this',
    n: 'Not a duplicate',
  };

  const SHORTCUTS = [
    ['j', 'Next item (review)'],
    ['k', 'Previous item (review)'],
    ...Object.entries(ANSWERS),
    ['/', 'Search'],
    ['?', 'Show or hide this help'],
  ];

  /** Typing in a field (or an editable element) owns every key: shortcuts never fire there. */
  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) {
      return true;
    }
    return target instanceof HTMLElement && target.isContentEditable;
  }

  function reviewItems() {
    return Array.from(document.querySelectorAll('.review-item'));
  }

  /** The item holding focus, else the first on the page. */
  function currentItem(items) {
    const active = document.activeElement;
    const focused = active instanceof Element ? active.closest('.review-item') : null;
    return focused ?? items[0] ?? null;
  }

  function moveFocus(step) {
    const items = reviewItems();
    if (items.length === 0) return false;
    const active = document.activeElement;
    const at = items.findIndex((item) => item.contains(active));
    const next = at === -1 ? 0 : Math.min(items.length - 1, Math.max(0, at + step));
    const target = items[next];
    if (!target) return false;
    target.focus();
    target.scrollIntoView({ block: 'nearest' });
    return true;
  }

  function answer(key) {
    const item = currentItem(reviewItems());
    const button = item?.querySelector(`[data-key="${key}"]`);
    if (!(button instanceof HTMLElement) || button.matches(':disabled, [aria-disabled="true"]')) return false;
    button.click();
    return true;
  }

  function focusSearch() {
    const field = document.querySelector('input[type="search"]');
    if (!(field instanceof HTMLInputElement)) return false;
    field.focus();
    field.select();
    return true;
  }

  /** The page's own #shortcuts dialog, or one built here from the list above. */
  function helpDialog() {
    const existing = document.getElementById('shortcuts');
    if (existing) return existing;
    const dialog = document.createElement('dialog');
    dialog.id = 'shortcuts';
    dialog.setAttribute('aria-labelledby', 'shortcuts-title');
    const heading = document.createElement('h2');
    heading.id = 'shortcuts-title';
    heading.textContent = 'Keyboard shortcuts';
    const list = document.createElement('dl');
    for (const [key, what] of SHORTCUTS) {
      const dt = document.createElement('dt');
      const kbd = document.createElement('kbd');
      kbd.textContent = key;
      dt.append(kbd);
      const dd = document.createElement('dd');
      dd.textContent = what;
      list.append(dt, dd);
    }
    const form = document.createElement('form');
    form.method = 'dialog';
    const close = document.createElement('button');
    close.type = 'submit';
    close.className = 'secondary';
    close.textContent = 'Close';
    form.append(close);
    dialog.append(heading, list, form);
    document.body.append(dialog);
    return dialog;
  }

  function toggleHelp() {
    const dialog = helpDialog();
    if (!(dialog instanceof HTMLDialogElement)) {
      dialog.hidden = !dialog.hidden;
      return true;
    }
    if (dialog.open) dialog.close();
    else dialog.showModal();
    return true;
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    const help = document.getElementById('shortcuts');
    const helpOpen = help instanceof HTMLDialogElement && help.open;
    // While the help is open, only `?` (to close it) works; Escape is the dialog's own.
    if (helpOpen && event.key !== '?') return;
    let handled = false;
    if (event.key === '?') handled = toggleHelp();
    else if (event.key === '/') handled = focusSearch();
    else if (event.key === 'j') handled = moveFocus(1);
    else if (event.key === 'k') handled = moveFocus(-1);
    else if (Object.hasOwn(ANSWERS, event.key) && !event.repeat) handled = answer(event.key);
    if (handled) event.preventDefault();
  });

  // A form marked data-confirm="<question>" asks before it is sent (the server never relies on it).
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
