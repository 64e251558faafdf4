// How times and memory are written on every page: the same rules as the `ms` and `memory` filters of
// api/pages/filters.py (memory always in MiB, so a table never mixes units).
const numbers = new Intl.NumberFormat("en-US");
const tenths = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatMs(ms) {
  return ms == null ? "—" : `${numbers.format(ms)} ms`;
}

export function formatMemory(kib) {
  return !kib ? "—" : `${tenths.format(kib / 1024)} MiB`;
}
