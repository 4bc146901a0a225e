/* govsite search in the browser: the analyzer (a mirror of govsite/search/analyzer.py), an engine
   over the sharded static index (its format: the docstring of govsite/search/shards.py), and the
   search page (templates/search.html). Plain ES2020, no dependencies, no build step; nothing is
   fetched from outside the site, and text from content only ever reaches the page as DOM text.

   window.GovsiteSearch = {
     indexTokens(text) -> string[]     tokens of a document field (= analyzer.index_tokens)
     queryTokens(text) -> string[]     tokens of one query word (= analyzer.query_tokens)
     queryWords(query) -> string[][]   the query as words of tokens (= analyzer.query_words)
     async search(query, {category, issuer, year, validity, sort, page, pageSize})
       -> {total, pages, results, facets}
     async match(query) -> [{id, matchedWords, score}]   every match, unfiltered and unordered
   }

   Matching: a document matches a word when it has every token of the word (AND), and is a result
   when it matches at least one word (OR). Its score is the sum of the impacts (BM25F × meta.impactScale, from
   the shards) of the tokens of the words it matches. Relevance order: more matched words; issued
   by an organ the query names (a word of 3+ characters ending the organ's name: 县财政局, 财政局);
   naming that organ whole in the title or text (not only its bigrams apart); higher score; 有效 before 失效/废止/尚未生效; a later year; a later id (newer within a category). Then, inside the first ten only
   (see rerankHead): a document whose title or 文号 is the query first, then those in which more
   query words stand whole rather than as scattered bigrams. Date order: newer, higher score, lower id.

   Filters are lists of strings (category keys such as "政策文件/部门文件", issuer names, years such
   as "2024", validity labels): OR within a facet, AND across facets; a category also selects its
   descendants. Facet counts are those of standard faceted search: each facet is counted over the
   documents that match the query and the filters of the OTHER facets, so ticking 2024 still shows
   how many results 2023 would add. A category count includes its descendants' documents.
   A result is {id, url (site-relative, as Document.url), title, issuer, date ("YYYY-MM-DD"),
   docNumber, validity, category, score, matchedWords (how many query words it matches),
   snippetHtml (escaped text with <mark> around matches)}. */
"use strict";

(() => {
  // ---------------------------------------------------------------- analyzer

  const CJK_RANGES = [[0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff], [0x3007, 0x3007], [0x25cb, 0x25cb]];
  const DIGIT_RANGES = [[0x30, 0x39]];
  const LETTER_RANGES = [[0x61, 0x7a], [0xdf, 0xf6], [0xf8, 0xff], [0x100, 0x24f]];
  /** What Python's str.split() splits at (str.isspace); JS's \s differs (it has U+FEFF, lacks U+001C–U+001F and U+0085). */
  const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

  const inRanges = (code, ranges) => ranges.some(([low, high]) => low <= code && code <= high);

  const normalise = (text) => text.normalize("NFKC").toLowerCase();

  function kindOf(char) {
    const code = char.codePointAt(0);
    if (inRanges(code, CJK_RANGES)) return "cjk";
    if (inRanges(code, DIGIT_RANGES)) return "digit";
    return inRanges(code, LETTER_RANGES) ? "letter" : "";
  }

  /** True when the spaces at `index` are followed by an ideograph (analyzer._joins_cjk). */
  function joinsCjk(chars, index) {
    let next = index;
    while (next < chars.length && chars[next] === " ") next += 1;
    return next < chars.length && kindOf(chars[next]) === "cjk";
  }

  /** Runs over already normalised code points, as [kind, [positions]]: analyzer.runs, keeping where
      each character stood (the snippet needs that; the tokenizers only need the characters). */
  function scanRuns(chars) {
    const found = [];
    let kind = "";
    let current = [];
    chars.forEach((char, index) => {
      const charKind = kindOf(char);
      if (char === " " && kind === "cjk" && joinsCjk(chars, index)) return;
      if (charKind !== kind) {
        if (kind && current.length) found.push([kind, current]);
        kind = charKind;
        current = [];
      }
      if (charKind) current.push(index);
    });
    if (kind && current.length) found.push([kind, current]);
    return found;
  }

  /** [kind, run] pairs, like analyzer.runs (iterating by code point, as Python does). */
  function runs(text) {
    const chars = Array.from(normalise(text));
    return scanRuns(chars).map(([kind, positions]) => [kind, positions.map((p) => chars[p]).join("")]);
  }

  function indexTokens(text) {
    const tokens = [];
    for (const [kind, run] of runs(text)) {
      if (kind !== "cjk") {
        tokens.push(run);
        continue;
      }
      const chars = Array.from(run);
      chars.forEach((char, i) => {
        tokens.push(char);
        if (i + 1 < chars.length) tokens.push(char + chars[i + 1]);
      });
    }
    return tokens;
  }

  function queryTokens(text) {
    const tokens = [];
    for (const [kind, run] of runs(text)) {
      const chars = Array.from(run);
      if (kind !== "cjk" || chars.length === 1) tokens.push(run);
      else for (let i = 0; i + 1 < chars.length; i += 1) tokens.push(chars[i] + chars[i + 1]);
    }
    return [...new Set(tokens)];
  }

  function queryWords(query) {
    return normalise(String(query))
      .split(PY_WHITESPACE)
      .filter((part) => part)
      .map(queryTokens)
      .filter((tokens) => tokens.length);
  }

  // ---------------------------------------------------------------- fetching, cached in memory

  const files = new Map(); // absolute URL -> Promise of parsed JSON

  function fetchJson(url) {
    let promise = files.get(url);
    if (!promise) {
      promise = fetch(url, { credentials: "same-origin" }).then((response) => {
        if (!response.ok) throw new Error(`${response.status} ${url}`);
        return response.json();
      });
      promise.catch(() => files.delete(url)); // a failed file may be fetched again later
      files.set(url, promise);
    }
    return promise;
  }

  const VALIDITY_CSS = { 有效: "valid", 失效: "expired", 废止: "repealed", 尚未生效: "pending" };

  /** Where the index is: the search page names its meta file (data-index), relative to the site's
      base path (data-base). */
  function indexLocation() {
    const holder = document.querySelector("[data-index]");
    const path = holder && holder.getAttribute("data-index");
    if (!path) throw new Error("this page names no search index (data-index)");
    const base = holder.getAttribute("data-base") || "/";
    const meta = new URL(base + path, document.baseURI);
    return { meta: meta.href, folder: new URL(".", meta).href };
  }

  let loading = null;

  /** The meta file and the table, with what every query needs precomputed. */
  function loadIndex() {
    if (!loading) {
      loading = (async () => {
        const where = indexLocation();
        const meta = await fetchJson(where.meta);
        const table = decodeTable(await fetchJson(new URL(meta.table, where.folder).href));
        const categories = meta.facets.category;
        const categoryIndex = new Map(categories.map((key, i) => [key, i]));
        // each category with itself and its ancestors, for counting and for "a parent selects its children"
        const lineage = categories.map((key) => {
          const names = key.split("/");
          return names.map((_, depth) => categoryIndex.get(names.slice(0, depth + 1).join("/"))).filter((i) => i !== undefined);
        });
        return { meta, table, folder: where.folder, categoryIndex, lineage, years: table.year, postings: new Map(), dates: null };
      })();
      loading.catch(() => {
        loading = null;
      });
    }
    return loading;
  }

  const VLQ_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const VLQ_VALUE = new Int8Array(128).fill(-1);
  for (let i = 0; i < VLQ_DIGITS.length; i += 1) VLQ_VALUE[VLQ_DIGITS.charCodeAt(i)] = i;

  /** A string of base64 VLQ numbers (shards.py `vlq`) as an array; `add` is added to each. */
  function unvlq(text, add = 0) {
    const values = [];
    let value = 0;
    let shift = 0;
    for (let i = 0; i < text.length; i += 1) {
      const digit = VLQ_VALUE[text.charCodeAt(i)];
      value += (digit & 31) * 2 ** shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value + add);
        value = 0;
        shift = 0;
      }
    }
    return values;
  }

  /** The table as plain columns (shards.py `_table`): category, validity and year run-length
      encoded, issuers as VLQ. */
  function decodeTable(table) {
    const runs = (encoded) => {
      const values = [];
      for (let i = 0; i < encoded.length; i += 2) for (let n = 0; n < encoded[i + 1]; n++) values.push(encoded[i]);
      return values;
    };
    return { category: runs(table.category), validity: runs(table.validity), issuer: unvlq(table.issuer), year: runs(table.year) };
  }

  /** Days since 1970 per document id (shards.py `_dates`: zigzag VLQ differences), fetched for date order only. */
  async function loadDates(index) {
    if (!index.dates) {
      index.dates = fetchJson(new URL(index.meta.dates, index.folder).href).then((encoded) => {
        let day = 0;
        return unvlq(encoded).map((zigzag) => (day += zigzag % 2 ? -(zigzag + 1) / 2 : zigzag / 2));
      });
      index.dates.catch(() => {
        index.dates = null;
      });
    }
    return index.dates;
  }

  /** FNV-1a over UTF-16 code units, as shards.py `bucket_of`. */
  function bucketOf(token, count) {
    let value = 0x811c9dc5;
    for (let i = 0; i < token.length; i += 1) value = Math.imul(value ^ token.charCodeAt(i), 0x01000193) >>> 0;
    return value % count;
  }

  function shardUrl(index, number) {
    const { meta, folder } = index;
    return new URL(`${meta.shardFolder}${Math.floor(number / meta.perFolder)}/${number}.json`, folder).href;
  }

  /** [gaps, base, impacts] → {ids, impacts} (shards.py `encode_postings`). */
  function decodePostings([gaps, base, impacts], start = 0) {
    let id = start;
    return { ids: unvlq(gaps).map((gap) => (id += gap)), impacts: unvlq(impacts, base) };
  }

  /** What the index holds for a token: {ids, impacts} for a token kept whole, {blocks: [{start,
      end, file}]} for a common token cut into blocks, or null when no document has it. */
  async function postingsOf(index, token) {
    if (!index.postings.has(token)) {
      index.postings.set(token, (async () => {
        const bucket = await fetchJson(shardUrl(index, bucketOf(token, index.meta.buckets)));
        if (!Object.prototype.hasOwnProperty.call(bucket, token)) return null;
        const entry = bucket[token];
        if (typeof entry[0] === "string") return decodePostings(entry);
        const [first, starts] = entry;
        const bounds = [0, ...starts, Infinity];
        return { blocks: bounds.slice(0, -1).map((start, k) => ({ start, end: bounds[k + 1], file: first + k })) };
      })());
    }
    return index.postings.get(token);
  }

  const blockCache = new Map();

  function blockPostings(index, block) {
    if (!blockCache.has(block.file)) {
      blockCache.set(block.file, fetchJson(shardUrl(index, block.file)).then((data) => decodePostings(data, block.start)));
    }
    return blockCache.get(block.file);
  }

  /** The blocks that can hold one of `ids` (sorted ascending), or all of them without `ids`. */
  function blocksFor(blocks, ids) {
    if (!ids) return blocks;
    let at = 0;
    return blocks.filter((block) => {
      while (at < ids.length && ids[at] < block.start) at += 1;
      return at < ids.length && ids[at] < block.end;
    });
  }

  async function blockList(index, blocks, ids) {
    const parts = await Promise.all(blocksFor(blocks, ids).map((block) => blockPostings(index, block)));
    return { ids: parts.flatMap((part) => part.ids), impacts: parts.flatMap((part) => part.impacts) };
  }

  /** doc id → score for one word: the documents that have all its tokens, with the sum of their
      impacts. Tokens kept whole are intersected first; of a common token, only the blocks that can
      hold a document still in the running are fetched (all of them when every token is common:
      then the one with the fewest blocks goes first). */
  async function matchWord(index, entries) {
    if (entries.some((entry) => !entry)) return new Map();
    const whole = entries.filter((entry) => !entry.blocks).sort((a, b) => a.ids.length - b.ids.length);
    const blocked = entries.filter((entry) => entry.blocks).sort((a, b) => a.blocks.length - b.blocks.length);
    if (!whole.length) whole.push(await blockList(index, blocked.shift().blocks, null));
    let scores = new Map();
    whole[0].ids.forEach((id, i) => scores.set(id, whole[0].impacts[i]));
    const narrow = (list) => {
      const next = new Map();
      list.ids.forEach((id, i) => {
        const score = scores.get(id);
        if (score !== undefined) next.set(id, score + list.impacts[i]);
      });
      scores = next;
    };
    whole.slice(1).forEach(narrow);
    for (const entry of blocked) {
      if (!scores.size) break;
      narrow(await blockList(index, entry.blocks, [...scores.keys()].sort((a, b) => a - b)));
    }
    return scores;
  }

  /** id -> {id, matchedWords, score}: OR across words, AND within a word. */
  async function matchDocuments(index, words) {
    const tokens = [...new Set(words.flat())];
    const entries = await Promise.all(tokens.map((token) => postingsOf(index, token)));
    const byToken = new Map(tokens.map((token, i) => [token, entries[i]]));
    const wordScores = await Promise.all(words.map((word) => matchWord(index, word.map((token) => byToken.get(token)))));
    const hits = new Map();
    for (const scores of wordScores) {
      for (const [id, score] of scores) {
        const hit = hits.get(id);
        if (hit) {
          hit.matchedWords += 1;
          hit.score += score;
        } else hits.set(id, { id, matchedWords: 1, score });
      }
    }
    return hits;
  }

  const FACETS = ["category", "issuer", "year", "validity"];

  const asList = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]).map(String);

  /** Filters, then facet counts (each facet over the other facets' filters), in one pass. */
  function filterAndCount(index, hits, options) {
    const { meta, table, lineage, years, categoryIndex } = index;
    const selected = {
      category: new Set(asList(options.category).map((key) => categoryIndex.get(key)).filter((i) => i !== undefined)),
      issuer: new Set(asList(options.issuer).map((name) => meta.facets.issuer.indexOf(name)).filter((i) => i >= 0)),
      year: new Set(asList(options.year).map(Number).filter(Number.isInteger)),
      validity: new Set(asList(options.validity).map((label) => meta.facets.validity.indexOf(label)).filter((i) => i >= 0)),
    };
    // a filter naming nothing this index knows selects nothing (not everything)
    const active = {};
    for (const facet of FACETS) active[facet] = asList(options[facet]).length > 0;
    const counts = { category: new Map(), issuer: new Map(), year: new Map(), validity: new Map() };
    const bump = (facet, key) => counts[facet].set(key, (counts[facet].get(key) || 0) + 1);
    const results = [];
    for (const hit of hits.values()) {
      const id = hit.id;
      const keys = { category: lineage[table.category[id]], issuer: [table.issuer[id]], year: [years[id]], validity: [table.validity[id]] };
      const failing = FACETS.filter((facet) => active[facet] && !keys[facet].some((key) => selected[facet].has(key)));
      if (failing.length === 0) results.push(hit);
      if (failing.length > 1) continue;
      for (const facet of failing.length ? failing : FACETS) for (const key of keys[facet]) bump(facet, key);
    }
    const entries = (facet, names, order) => {
      const shown = [...counts[facet].keys()];
      for (const key of selected[facet]) if (!counts[facet].has(key)) shown.push(key); // a ticked box stays, with 0
      return shown.sort(order).map((key) => [names(key), counts[facet].get(key) || 0]);
    };
    const byCount = (facet) => (a, b) => (counts[facet].get(b) || 0) - (counts[facet].get(a) || 0) || a - b;
    const facets = {
      category: entries("category", (i) => meta.facets.category[i], (a, b) => a - b),
      issuer: entries("issuer", (i) => meta.facets.issuer[i], byCount("issuer")),
      year: entries("year", (year) => String(year), (a, b) => b - a),
      validity: entries("validity", (i) => meta.facets.validity[i], (a, b) => a - b),
    };
    return { results, facets };
  }

  // ---------------------------------------------------------------- snippets

  const SNIPPET_LENGTH = 80;
  const SNIPPET_LEAD = 20;
  const UNIT = /\P{M}\p{M}*|\p{M}+/gu; // a character with its combining marks, normalised together

  /** [[text, marked], …] for `text`, marking every stretch that is one of `tokens`, found exactly
      as the analyzer finds them (per-character NFKC, lower case, the same runs). With `windowed`,
      only about SNIPPET_LENGTH characters around the first match (or the start), with … at cuts. */
  function highlight(text, tokens, windowed) {
    const units = text.match(UNIT) || [];
    const chars = [];
    const owner = [];
    units.forEach((unit, u) => {
      for (const char of normalise(unit)) {
        chars.push(char);
        owner.push(u);
      }
    });
    const marked = new Uint8Array(units.length);
    const mark = (fromChar, toChar) => {
      for (let u = owner[fromChar]; u <= owner[toChar]; u += 1) marked[u] = 1;
    };
    for (const [kind, positions] of scanRuns(chars)) {
      if (kind !== "cjk") {
        if (tokens.has(positions.map((p) => chars[p]).join(""))) mark(positions[0], positions[positions.length - 1]);
        continue;
      }
      positions.forEach((p, i) => {
        if (tokens.has(chars[p])) mark(p, p);
        const next = positions[i + 1];
        if (next !== undefined && tokens.has(chars[p] + chars[next])) mark(p, next);
      });
    }
    let start = 0;
    let end = units.length;
    if (windowed) {
      const first = marked.indexOf(1);
      start = Math.max(0, first - SNIPPET_LEAD);
      end = Math.min(units.length, start + SNIPPET_LENGTH);
      start = Math.max(0, end - SNIPPET_LENGTH);
    }
    const segments = [];
    if (start > 0) segments.push(["…", false]);
    for (let u = start; u < end; u += 1) {
      const last = segments[segments.length - 1];
      const isMarked = marked[u] === 1;
      if (last && last[1] === isMarked) last[0] += units[u];
      else segments.push([units[u], isMarked]);
    }
    if (end < units.length) segments.push(["…", false]);
    return segments;
  }

  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const escapeHtml = (text) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
  const segmentsHtml = (segments) => segments.map(([text, marked]) => (marked ? `<mark>${escapeHtml(text)}</mark>` : escapeHtml(text))).join("");

  // ---------------------------------------------------------------- search

  const WINDOW = 10;

  /** The query's words as text (the parts queryWords keeps), for checks that need them whole. */
  const wordTexts = (query) => normalise(String(query)).split(PY_WHITESPACE).filter((part) => queryTokens(part).length);

  /** The same words and characters, ignoring punctuation, brackets, spaces, width and case. */
  const exactKey = (text) => runs(text).map(([, run]) => run).join("\u0001");

  /** issuer index → how many query words name that organ: a word of three or more characters that
      ends its name (县财政局 and 财政局 name 青山县财政局; 财政 names nothing). Bigrams cannot tell
      县财政局 from 县财力…财政…民政局; the table's issuer column can. */
  function organsNamed(index, texts) {
    const keys = texts.map(exactKey).filter((key) => Array.from(key).length >= 3);
    const named = new Map();
    index.meta.facets.issuer.forEach((name, i) => {
      const nameKey = exactKey(name);
      const count = keys.filter((key) => nameKey.endsWith(key)).length;
      if (count) named.set(i, count);
    });
    return named;
  }

  /** id → how many query words naming an organ the document holds whole in its title or text
      (the "@" tokens of shards.py `OrganMentions`), for the results only: of a common name, only
      the blocks that hold results are fetched. */
  async function organMentions(index, texts, results) {
    const names = index.meta.facets.issuer.map(exactKey);
    const keys = [...new Set(texts.map(exactKey))].filter((key) => Array.from(key).length >= 3 && names.some((name) => name.endsWith(key)));
    const counts = new Map();
    if (!keys.length || !results.length) return counts;
    const ids = results.map((hit) => hit.id).sort((a, b) => a - b);
    for (const key of keys) {
      const entry = await postingsOf(index, "@" + key);
      if (!entry) continue;
      const list = entry.blocks ? await blockList(index, entry.blocks, ids) : entry;
      for (const id of list.ids) counts.set(id, (counts.get(id) || 0) + 1);
    }
    return counts;
  }

  /** Relevance ties go to the newer document: a later year, then a later id (ids follow category,
      then date). Date order needs the dates, fetched the first time a reader asks for it. */
  async function sortResults(index, results, sort, organs, mentions) {
    const { table } = index;
    const demoted = (id) => (table.validity[id] === 0 ? 0 : 1); // 0 is 有效
    const organ = (id) => organs.get(table.issuer[id]) || 0;
    const mention = (id) => mentions.get(id) || 0;
    const byRelevance = (a, b) =>
      b.matchedWords - a.matchedWords ||
      organ(b.id) - organ(a.id) ||
      mention(b.id) - mention(a.id) ||
      b.score - a.score ||
      demoted(a.id) - demoted(b.id) ||
      table.year[b.id] - table.year[a.id] ||
      b.id - a.id;
    if (sort !== "date") return results.sort(byRelevance);
    const dates = await loadDates(index);
    return results.sort((a, b) => dates[b.id] - dates[a.id] || b.score - a.score || a.id - b.id);
  }

  /** Reorders the first WINDOW results by what only their fragments tell. A document whose title or
      文号 is the query comes first: the query names it. Then documents in which more query words
      stand whole (县财政局 as written, not 县财力…财政…民政局) in the title, organ, 文号 or the start
      of the text. BM25F alone can put another document first: real data republishes a document
      under a longer title ("平潭综合实验区管委会 关于… 补充通知" beside "关于…补充通知"), and a
      document citing 青政办发〔2020〕15号 can outscore the one numbered 青政办发〔2024〕15号.
      Reordering only inside the window leaves later pages, and the top ten as a set, unchanged,
      and costs no request for a first page of ten, whose fragments are fetched anyway. */
  async function rerankHead(results, query, fragmentOf) {
    const head = results.slice(0, WINDOW);
    const fragments = await Promise.all(head.map(fragmentOf));
    const queryKey = exactKey(query);
    const wordKeys = wordTexts(query).map(exactKey);
    const ranked = head.map((hit, i) => {
      const { title, issuer, docNumber, text } = fragments[i];
      const exact = exactKey(title) === queryKey || (docNumber && exactKey(docNumber) === queryKey) ? 1 : 0;
      const fields = [title, issuer, docNumber || "", text || ""].map(exactKey);
      const whole = wordKeys.filter((key) => fields.some((field) => field.includes(key))).length;
      return { hit, exact, whole, order: i };
    });
    ranked.sort((a, b) => b.exact - a.exact || b.hit.matchedWords - a.hit.matchedWords || b.whole - a.whole || a.order - b.order);
    results.splice(0, head.length, ...ranked.map((entry) => entry.hit));
  }

  /** The search, with what the page needs besides the public shape (the clamped page, segments). */
  async function runSearch(query, options = {}) {
    const index = await loadIndex();
    const words = queryWords(query);
    const hits = await matchDocuments(index, words);
    const { results, facets } = filterAndCount(index, hits, options);
    const texts = wordTexts(query);
    await sortResults(index, results, options.sort, organsNamed(index, texts), await organMentions(index, texts, results));
    const pageSize = Math.max(1, Math.floor(Number(options.pageSize) || 10));
    const pages = Math.ceil(results.length / pageSize);
    const page = Math.min(Math.max(1, Math.floor(Number(options.page) || 1)), Math.max(1, pages));
    const fragmentOf = (hit) => {
      const { meta, folder } = index;
      const folderNumber = Math.floor(hit.id / meta.perFolder);
      return fetchJson(new URL(`${meta.fragments}${folderNumber}/${hit.id}.json`, folder).href);
    };
    if (options.sort !== "date" && (page - 1) * pageSize < WINDOW) {
      await rerankHead(results, query, fragmentOf);
    }
    const shown = results.slice((page - 1) * pageSize, page * pageSize);
    const fragments = await Promise.all(shown.map(fragmentOf));
    const tokens = new Set(words.flat());
    const rows = shown.map((hit, i) => {
      const fragment = fragments[i];
      const snippet = highlight(fragment.text || "", tokens, true);
      return {
        id: hit.id,
        url: fragment.url,
        title: fragment.title,
        issuer: fragment.issuer,
        date: fragment.date,
        docNumber: fragment.docNumber || "",
        validity: fragment.validity,
        category: fragment.category,
        score: hit.score,
        matchedWords: hit.matchedWords,
        snippetHtml: segmentsHtml(snippet),
        snippet,
        titleSegments: highlight(fragment.title, tokens, false),
      };
    });
    return { total: results.length, pages, page, results: rows, facets };
  }

  async function search(query, options = {}) {
    const found = await runSearch(query, options);
    return {
      total: found.total,
      pages: found.pages,
      results: found.results.map(({ snippet, titleSegments, ...row }) => row),
      facets: found.facets,
    };
  }

  /** Every document a query matches, before filters and order: [{id, matchedWords, score}]. */
  async function match(query) {
    return [...(await matchDocuments(await loadIndex(), queryWords(query))).values()];
  }

  window.GovsiteSearch = { indexTokens, queryTokens, queryWords, search, match };

  // ---------------------------------------------------------------- the search page

  const app = document.getElementById("search-app");
  if (!app) return;

  const PAGE_SIZE = 10;
  const FACET_NAMES = { category: "栏目", issuer: "发布机构", year: "年份", validity: "有效性" };
  const FACET_SHORT_LIST = 8;

  const $ = (id) => document.getElementById(id);
  const form = $("search-form");
  const input = $("search-q");
  const status = $("search-status");
  const emptyBox = $("search-empty");
  const layout = $("search-layout");
  const facetsBox = $("search-facets");
  const facetsPanel = $("search-facets-panel");
  const list = $("search-results");
  const pager = $("search-pagination");
  const heading = $("search-results-heading");
  const clearButtons = document.querySelectorAll("[data-clear-filters]");
  const baseTitle = document.title;
  const base = app.getAttribute("data-base") || "/";
  const expanded = new Set(); // facets showing all their values
  let sequence = 0;

  /** Creates an element: el("a", {href: "…", class: "x"}, child, "text", …); text is always a text node. */
  function el(name, attributes, ...children) {
    const node = document.createElement(name);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const fromSegments = (segments) => segments.map(([text, marked]) => (marked ? el("mark", null, text) : document.createTextNode(text)));

  const linkTo = (url) => base + url.split("/").map(encodeURIComponent).join("/");

  function readState(search) {
    const params = new URLSearchParams(search);
    const state = { q: params.get("q") || "", sort: params.get("sort") === "date" ? "date" : "relevance" };
    for (const facet of FACETS) state[facet] = [...new Set(params.getAll(facet).filter((v) => v))];
    const page = parseInt(params.get("page") || "1", 10);
    state.page = page > 0 ? page : 1;
    return state;
  }

  function stateUrl(state) {
    const params = new URLSearchParams();
    params.set("q", state.q);
    for (const facet of FACETS) for (const value of state[facet]) params.append(facet, value);
    if (state.sort === "date") params.set("sort", "date");
    if (state.page > 1) params.set("page", String(state.page));
    return `${location.pathname}?${params}`;
  }

  let state = readState(location.search);

  const hasFilters = (s) => FACETS.some((facet) => s[facet].length > 0);

  function setStatus(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function showNothing() {
    layout.hidden = true;
    emptyBox.hidden = true;
  }

  /** Runs the state's search and shows it; `how.push` adds a history entry, `how.focus` an element id to refocus. */
  async function show(how = {}) {
    const current = (sequence += 1);
    app.removeAttribute("data-shown"); // then the query string on screen, once drawn (tests wait for it)
    if (how.push && stateUrl(state) !== location.pathname + location.search) history.pushState(null, "", stateUrl(state));
    input.value = state.q;
    for (const radio of document.querySelectorAll("input[name='sort']")) radio.checked = radio.value === state.sort;
    if (!queryWords(state.q).length) {
      showNothing();
      setStatus(state.q.trim() ? "请输入文字或数字作为搜索词。" : "");
      document.title = baseTitle;
      app.setAttribute("data-shown", location.search);
      return;
    }
    app.setAttribute("aria-busy", "true");
    let found;
    try {
      found = await runSearch(state.q, { ...state, pageSize: PAGE_SIZE });
    } catch (error) {
      if (current !== sequence) return;
      app.removeAttribute("aria-busy");
      showNothing();
      setStatus("搜索暂时无法使用（索引文件未能加载），请刷新页面重试，或到政府信息公开目录中查找。");
      console.error(error);
      app.setAttribute("data-shown", location.search);
      return;
    }
    if (current !== sequence) return; // a newer search started meanwhile
    app.removeAttribute("aria-busy");
    if (found.page !== state.page && found.pages > 0) {
      state.page = found.page;
      history.replaceState(null, "", stateUrl(state));
    }
    const pageNote = found.page > 1 ? `（第${found.page}页）` : "";
    document.title = `“${state.q.trim()}”的搜索结果${pageNote} - ${baseTitle}`;
    setStatus(`找到 ${found.total} 条结果`);
    for (const node of emptyBox.querySelectorAll("[data-query]")) node.textContent = state.q.trim();
    for (const node of emptyBox.querySelectorAll("[data-when-filtered]")) node.hidden = !hasFilters(state);
    renderFacets(found.facets);
    renderResults(found);
    renderPagination(found);
    for (const button of clearButtons) button.hidden = !hasFilters(state);
    // with no results the facets stay while some are ticked, so a reader can untick them
    layout.hidden = found.total === 0 && !hasFilters(state);
    emptyBox.hidden = found.total !== 0;
    app.setAttribute("data-shown", location.search);
    if (how.focus) {
      const target = $(how.focus);
      if (target) target.focus();
      if (how.focus === heading.id) heading.scrollIntoView({ block: "start" });
    }
  }

  function renderResults(found) {
    const start = (found.page - 1) * PAGE_SIZE + 1;
    list.setAttribute("start", String(start));
    list.replaceChildren(
      ...found.results.map((row) => {
        const meta = el("p", { class: "search-result-meta" });
        const parts = [
          [el("span", { class: "visually-hidden" }, "发布机构："), row.issuer],
          [el("span", { class: "visually-hidden" }, "发布日期："), el("time", { datetime: row.date }, row.date)],
        ];
        if (row.docNumber) parts.push([el("span", { class: "visually-hidden" }, "文号："), row.docNumber]);
        parts.forEach((part, i) => {
          if (i) meta.append(el("span", { class: "separator", "aria-hidden": "true" }, " · "));
          meta.append(el("span", null, part));
        });
        meta.append(
          " ",
          el("span", { class: "visually-hidden" }, "有效性："),
          el("span", { class: `validity validity-${VALIDITY_CSS[row.validity] || "valid"}` }, row.validity),
        );
        const snippet = row.snippet.length ? el("p", { class: "search-snippet" }, fromSegments(row.snippet)) : null;
        return el(
          "li",
          { class: "search-result" },
          el("h3", { class: "search-result-title" }, el("a", { href: linkTo(row.url) }, fromSegments(row.titleSegments))),
          meta,
          snippet,
        );
      }),
    );
  }

  function facetLabel(facet, key) {
    if (facet === "category") return key.split("/").pop();
    if (facet === "year") return `${key}年`;
    return key;
  }

  /** A long category tree starts as its top level, opened one level below each ticked column. */
  function inShortTree(key, chosen) {
    const depth = key.split("/").length;
    for (const picked of chosen) {
      if (picked === key || picked.startsWith(key + "/")) return true; // the ticked column and its ancestors
      if (key.startsWith(picked + "/") && depth === picked.split("/").length + 1) return true; // its children
    }
    return depth === 1;
  }

  function renderFacets(facets) {
    const focusedId = document.activeElement && facetsBox.contains(document.activeElement) ? document.activeElement.id : null;
    const groups = FACETS.filter((facet) => facets[facet].length).map((facet) => {
      const entries = facets[facet];
      const chosen = new Set(state[facet]);
      const long = entries.length > FACET_SHORT_LIST + 2;
      const visible = long && !expanded.has(facet) ? entries.filter(([key], i) => (facet === "category" ? inShortTree(key, chosen) : i < FACET_SHORT_LIST || chosen.has(key))) : entries;
      const items = visible.map(([key, count]) => {
        const id = `facet-${facet}-${Array.from(key, (c) => c.codePointAt(0).toString(36)).join("-")}`;
        const depth = facet === "category" ? key.split("/").length - 1 : 0;
        return el(
          "li",
          { class: depth ? `depth-${Math.min(depth, 3)}` : null },
          el("input", { type: "checkbox", id, name: facet, value: key, checked: chosen.has(key), "data-facet": facet }),
          el("label", { for: id }, facetLabel(facet, key), " ", el("span", { class: "count" }, `（${count}）`)),
        );
      });
      const group = el("fieldset", { class: "facet" }, el("legend", null, FACET_NAMES[facet]), el("ul", null, items));
      if (long) {
        const open = expanded.has(facet);
        group.append(
          el(
            "button",
            { type: "button", class: "facet-more", id: `facet-more-${facet}`, "aria-expanded": open ? "true" : "false", "data-more": facet },
            open ? "收起" : `显示全部（${entries.length}项）`,
          ),
        );
      }
      return group;
    });
    facetsBox.replaceChildren(...groups);
    if (focusedId && $(focusedId)) $(focusedId).focus();
  }

  function pageLink(number, text, attributes) {
    return el("a", { href: stateUrl({ ...state, page: number }), "data-page": number, ...attributes }, text);
  }

  /** Numbered pages like partials/rows.html: first, last, and two either side of the current one. */
  function renderPagination(found) {
    if (found.pages <= 1) {
      pager.replaceChildren();
      return;
    }
    const current = found.page;
    const count = found.pages;
    const numbers = [...new Set([1, count, current - 2, current - 1, current, current + 1, current + 2])]
      .filter((n) => n >= 1 && n <= count)
      .sort((a, b) => a - b);
    const items = [];
    if (current > 1) items.push(el("li", null, pageLink(current - 1, "上一页", { rel: "prev" })));
    let previous = 0;
    for (const n of numbers) {
      if (n - previous > 1) items.push(el("li", null, el("span", { class: "gap", "aria-hidden": "true" }, "…")));
      const attributes = n === current ? { "aria-current": "page", "aria-label": `第 ${n} 页，当前页` } : { "aria-label": `第 ${n} 页` };
      items.push(el("li", null, pageLink(n, String(n), attributes)));
      previous = n;
    }
    if (current < count) items.push(el("li", null, pageLink(current + 1, "下一页", { rel: "next" })));
    pager.replaceChildren(
      el(
        "nav",
        { class: "pagination", "aria-label": "分页" },
        el("p", { class: "pager-status" }, `第 ${current} / ${count} 页，共 ${found.total} 条`),
        el("ul", null, items),
      ),
    );
  }

  // ------------------------------------------------------------ events

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state = { q: input.value, sort: state.sort, page: 1, category: [], issuer: [], year: [], validity: [] };
    show({ push: true });
  });

  facetsBox.addEventListener("change", (event) => {
    const box = event.target;
    const facet = box.getAttribute("data-facet");
    if (!facet) return;
    const values = state[facet].filter((v) => v !== box.value);
    if (box.checked) values.push(box.value);
    state = { ...state, [facet]: values, page: 1 };
    show({ push: true, focus: box.id });
  });

  facetsBox.addEventListener("click", (event) => {
    const button = event.target.closest("[data-more]");
    if (!button) return;
    const facet = button.getAttribute("data-more");
    if (expanded.has(facet)) expanded.delete(facet);
    else expanded.add(facet);
    show({ focus: button.id });
  });

  for (const radio of document.querySelectorAll("input[name='sort']")) {
    radio.addEventListener("change", () => {
      state = { ...state, sort: radio.value === "date" ? "date" : "relevance", page: 1 };
      show({ push: true, focus: radio.id });
    });
  }

  for (const button of clearButtons) {
    button.addEventListener("click", () => {
      state = { ...state, category: [], issuer: [], year: [], validity: [], page: 1 };
      show({ push: true, focus: "search-q" });
    });
  }

  pager.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-page]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    state = { ...state, page: Number(link.getAttribute("data-page")) };
    show({ push: true, focus: heading.id });
  });

  window.addEventListener("popstate", () => {
    state = readState(location.search);
    show();
  });

  // the facets are a sidebar on a wide screen and start folded on a phone, so results come first
  if (facetsPanel && window.matchMedia) facetsPanel.open = window.matchMedia("(min-width: 48rem)").matches;
  app.hidden = false;
  history.replaceState(null, "", state.q || location.search ? stateUrl(state) : location.pathname);
  loadIndex().catch(() => {}); // start fetching the meta file and the table at once
  show();
})();
