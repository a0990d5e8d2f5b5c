// Counted words in the page's language: "1 трек", "3 трека", "5 треков".
//
// The server passes each message as a table of its forms by CLDR plural category
// (rubysound/web/plurals.py, `{% plural_tables %}`); Intl.PluralRules says which category a
// number falls in. Numbers are written the page language's way (1 000 in Russian).

function language() {
  return document.documentElement.lang || undefined;
}

const rulesByLanguage = new Map();

function rulesFor(lang) {
  const key = lang || "";
  if (!rulesByLanguage.has(key)) rulesByLanguage.set(key, new Intl.PluralRules(lang));
  return rulesByLanguage.get(key);
}

/** The tables of a `data-plurals` attribute (`{}` when missing or broken). */
export function readPlurals(element) {
  try {
    const tables = JSON.parse(element.dataset.plurals || "{}");
    return tables && typeof tables === "object" ? tables : {};
  } catch {
    return {};
  }
}

/** `table`'s form for `count`, with %(count)s filled in. */
export function plural(table, count) {
  if (!table) return "";
  const lang = language();
  const form =
    table[rulesFor(lang).select(count)] ?? table.other ?? table.many ?? Object.values(table)[0];
  return String(form ?? "").replace(/%\(count\)s/g, Number(count).toLocaleString(lang));
}
