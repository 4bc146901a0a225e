/* govsite 依申请公开 form (templates/apply.html, apply_success.html). Plain ES2020, no dependencies,
   loaded as a file (the CSP allows no inline script); the form works without it (see apply.html).

   window.GovsiteApply = {
     checkIdNumber(value, today "YYYY-MM-DD") -> ""|"length"|"chars"|"region"|"date"|"checksum"
     checkCreditCode(value) -> ""|"length"|"chars"|"checksum"
     checkPhone(value) / checkPostcode(value) / checkEmail(value) -> ""|"format"
     referenceCode([[name, value], …]) -> "YYYYMMDD-XXXXXXX"
     todayInShanghai() -> "YYYY-MM-DD"
   }
   The checks and the reference code mirror govsite/statutory/form_rules.py; both are pinned by
   tests/fixtures/apply/form_vectors.json. Reason codes, not messages, cross that line: the
   messages are here (MESSAGES).

   The page: the applicant type shows its own block and disables the other (so it is not sent);
   on submit every field is checked, errors go beside each field (aria-invalid, aria-describedby)
   and into the error summary at the top (role=alert, focused, one link per field); nothing the
   applicant typed is ever cleared. A valid application goes to the backend named by the form's
   data-backend: netlify (native POST; the receipt waits in sessionStorage for the success page),
   endpoint (fetch POST, then the receipt), email (a mailto: link with the application as its
   body, then the receipt) or print (the receipt is the application sheet; print stylesheet). */
"use strict";

(() => {
  // ------------------------------------------------------------------ rules (= form_rules.py)

  const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const ID_CHECK = "10X98765432";
  const ID_PROVINCES = new Set(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split(" "));
  const EARLIEST_BIRTH_YEAR = 1900;
  const CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const MOBILE_RE = /^1[3-9]\d{9}$/;
  const LANDLINE_RE = /^0\d{2,3}-?\d{7,8}(-\d{1,6})?$/;
  const POSTCODE_RE = /^\d{6}$/;
  const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
  const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const NOT_HASHED = new Set(["form-name", "bot-field", "reference"]);

  const SPACES_RE = /[ \t\r\n]/g;
  const clean = (value) => value.normalize("NFKC").trim();
  /** Characters, not UTF-16 units, as Python's len(). */
  const length = (text) => Array.from(text).length;

  function checkIdNumber(value, today) {
    const text = clean(value).replace(SPACES_RE, "").toUpperCase();
    if (length(text) !== 18) return "length";
    if (!/^\d{17}[\dX]$/.test(text)) return "chars";
    if (!ID_PROVINCES.has(text.slice(0, 2))) return "region";
    const [year, month, day] = [text.slice(6, 10), text.slice(10, 12), text.slice(12, 14)].map(Number);
    const born = new Date(Date.UTC(year, month - 1, day));
    if (born.getUTCFullYear() !== year || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day) return "date";
    if (year < EARLIEST_BIRTH_YEAR || text.slice(6, 14) > today.replace(/-/g, "")) return "date";
    let total = 0;
    for (let i = 0; i < 17; i += 1) total += Number(text[i]) * ID_WEIGHTS[i];
    return ID_CHECK[total % 11] === text[17] ? "" : "checksum";
  }

  function checkCreditCode(value) {
    const text = clean(value).replace(SPACES_RE, "").toUpperCase();
    if (length(text) !== 18) return "length";
    if (![...text].every((char) => CREDIT_CHARS.includes(char))) return "chars";
    let total = 0;
    for (let i = 0; i < 17; i += 1) total += CREDIT_CHARS.indexOf(text[i]) * CREDIT_WEIGHTS[i];
    return CREDIT_CHARS[(31 - (total % 31)) % 31] === text[17] ? "" : "checksum";
  }

  function checkPhone(value) {
    const text = clean(value).replace(/[ \t\r\n()]/g, "");
    const mobile = text.replace(/-/g, "").replace(/^\+?86(?=1)/, "");
    return MOBILE_RE.test(mobile) || LANDLINE_RE.test(text) ? "" : "format";
  }

  const checkPostcode = (value) => (POSTCODE_RE.test(clean(value)) ? "" : "format");
  const checkEmail = (value) => (EMAIL_RE.test(clean(value)) ? "" : "format");

  /** Code-point order, as Python compares strings (JS's < compares UTF-16 units). */
  function compareText(a, b) {
    const x = Array.from(a, (c) => c.codePointAt(0));
    const y = Array.from(b, (c) => c.codePointAt(0));
    for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }

  function fnv1a32(bytes) {
    let hash = 0x811c9dc5;
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    return hash;
  }

  /** The 申请编号: the date and a hash of the application (form_rules.reference_code says how and
      why): non-empty fields sorted by name then value, `name=value` lines, 32-bit FNV-1a over the
      UTF-8 bytes, 7 Crockford base-32 characters. The same application on the same day gives
      the same code on the applicant's receipt and on the office's copy. */
  function referenceCode(fields) {
    const pairs = fields
      .filter(([name]) => !NOT_HASHED.has(name))
      .map(([name, value]) => [name, value.replace(/\r\n?/g, "\n").trim()])
      .filter(([, value]) => value !== "")
      .sort((a, b) => compareText(a[0], b[0]) || compareText(a[1], b[1]));
    const date = (pairs.find(([name]) => name === "date") || ["", ""])[1];
    const hash = fnv1a32(new TextEncoder().encode(pairs.map(([name, value]) => `${name}=${value}`).join("\n")));
    let code = "";
    for (let shift = 30; shift >= 0; shift -= 5) code += CROCKFORD[(hash >>> shift) & 31];
    return `${date.replace(/-/g, "")}-${code}`;
  }

  /** Today in Beijing time, whatever the applicant's computer is set to: the office's calendar. */
  function todayInShanghai() {
    try {
      const parts = new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" })
        .formatToParts(new Date());
      const part = (type) => parts.find((p) => p.type === type).value;
      return `${part("year")}-${part("month")}-${part("day")}`;
    } catch (error) {
      const now = new Date();
      return [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
    }
  }

  window.GovsiteApply = { checkIdNumber, checkCreditCode, checkPhone, checkPostcode, checkEmail, referenceCode, fnv1a32, todayInShanghai };

  // ------------------------------------------------------------------ messages

  const MESSAGES = {
    "id-number": {
      length: (label, value) => `${label}应为18位，现在是${length(clean(value))}位（15位的第一代身份证已停止使用）`,
      chars: (label) => `${label}前17位只能是数字，最后一位是数字或者 X`,
      region: (label) => `${label}的前两位不是有效的省份代码，请核对`,
      date: (label) => `${label}中的出生日期（第7至14位）不是有效的日期，请核对`,
      checksum: (label) => `${label}的最后一位（校验码）与前17位不符，请逐位核对`,
    },
    "credit-code": {
      length: (label, value) => `${label}应为18位，现在是${length(clean(value))}位`,
      chars: (label) => `${label}只含数字和大写字母（不含 I、O、Z、S、V），请核对`,
      checksum: (label) => `${label}的最后一位（校验码）与前17位不符，请逐位核对`,
    },
    phone: { format: (label) => `${label}应为11位手机号码，或者带区号的固定电话号码，例如 0571-87654321` },
    postcode: { format: (label) => `${label}应为6位数字` },
    email: { format: (label) => `${label}的格式不对，应像 name@example.com 这样` },
  };

  const formatDate = (iso) => {
    const [y, m, d] = iso.split("-");
    return `${y}年${m}月${d}日`;
  };

  // ------------------------------------------------------------------ the form

  const RECEIPT_KEY = "govsite-apply-receipt";

  function initForm(form) {
    const backend = form.dataset.backend;
    const errorBox = document.getElementById("apply-errors");
    const errorList = document.getElementById("apply-errors-list");
    const submit = document.getElementById("apply-submit");
    const dateInput = form.elements.namedItem("date");
    const receipt = document.getElementById("apply-receipt");
    const pageTitle = document.title;
    const blocks = [...form.querySelectorAll("[data-applicant]")];

    form.noValidate = true; // our messages instead of the browser's bubbles; the HTML constraints stay for no-script
    if (submit) {
      submit.hidden = false;
      submit.type = "submit";
    }
    if (dateInput) {
      // a text box: a date box would show the date in the browser's own format (11/25/2026)
      dateInput.type = "text";
      dateInput.value = todayInShanghai();
      dateInput.readOnly = true;
    }

    const chosen = (name) => {
      const checked = form.querySelector(`input[name="${name}"]:checked`);
      return checked ? checked.value : "";
    };

    /** `delivery=邮寄|快递` holds when the delivery radio chosen is one of those. */
    const conditionHolds = (condition) => {
      if (!condition) return true;
      const [name, values] = condition.split("=");
      const control = form.elements.namedItem(name);
      const value = control instanceof HTMLSelectElement ? control.value : chosen(name);
      return values.split("|").includes(value);
    };

    function updateBlocks() {
      const type = chosen("applicant_type");
      for (const block of blocks) {
        const mine = block.dataset.applicant === type;
        block.hidden = !mine;
        block.disabled = !mine;
      }
      for (const control of form.querySelectorAll("[data-required-for]")) control.required = control.dataset.requiredFor === type;
      for (const control of form.querySelectorAll("[data-required-when]")) control.required = conditionHolds(control.dataset.requiredWhen);
    }

    form.addEventListener("change", (event) => {
      if (event.target.name === "applicant_type" || event.target.name === "delivery") updateBlocks();
    });
    window.addEventListener("pageshow", () => {
      // a form restored from the back/forward cache: blocks as chosen, the button usable again
      updateBlocks();
      if (submit) submit.disabled = false;
    });
    updateBlocks();

    // ---- validation

    const labelOf = (control) => control.dataset.label || control.name;

    /** Every problem as {control (to focus), field (its wrapper), message}, in page order. */
    function problems() {
      const found = [];
      const today = todayInShanghai();
      const seenGroups = new Set();
      for (const control of form.elements) {
        if (!control.name || control.type === "hidden" || control.matches(":disabled") || control.closest(".honeypot")) continue;
        const field = control.closest(".field");
        if (control.type === "radio") {
          if (seenGroups.has(control.name)) continue;
          seenGroups.add(control.name);
          const group = control.closest("[data-group]");
          if (control.required && !chosen(control.name)) found.push({ control, field: group, message: `请选择${group.dataset.label}` });
          continue;
        }
        if (control.type === "checkbox") {
          if (control.required && !control.checked) found.push({ control, field, message: `请阅读并勾选${labelOf(control)}` });
          continue;
        }
        if (control.type === "file") {
          const file = control.files && control.files[0];
          const limit = Number(form.dataset.maxUpload || 8);
          if (!file) {
            if (control.required) found.push({ control, field, message: `请选择${labelOf(control)}` });
          } else if (!/\.(jpe?g|png|pdf)$/i.test(file.name)) {
            found.push({ control, field, message: `${labelOf(control)}应为 JPG、PNG 或者 PDF 格式` });
          } else if (file.size > limit * 1024 * 1024) {
            found.push({ control, field, message: `${labelOf(control)}不能超过 ${limit} MB（现在是 ${(file.size / 1024 / 1024).toFixed(1)} MB）` });
          }
          continue;
        }
        const value = control.value;
        if (!clean(value)) {
          if (control.required) found.push({ control, field, message: `${control.tagName === "SELECT" ? "请选择" : "请填写"}${labelOf(control)}` });
          continue;
        }
        const check = control.dataset.check;
        if (!check || !MESSAGES[check] || !conditionHolds(control.dataset.checkWhen)) continue;
        const reason = {
          "id-number": () => checkIdNumber(value, today),
          "credit-code": () => checkCreditCode(value),
          phone: () => checkPhone(value),
          postcode: () => checkPostcode(value),
          email: () => checkEmail(value),
        }[check]();
        if (reason) found.push({ control, field, message: MESSAGES[check][reason](labelOf(control), value) });
      }
      return found;
    }

    function clearErrors() {
      for (const node of form.querySelectorAll(".field-error")) node.remove();
      for (const node of form.querySelectorAll(".has-error")) node.classList.remove("has-error");
      for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
      for (const node of form.querySelectorAll("[data-describedby]")) {
        if (node.dataset.describedby) node.setAttribute("aria-describedby", node.dataset.describedby);
        else node.removeAttribute("aria-describedby");
        delete node.dataset.describedby;
      }
      errorList.textContent = "";
      errorBox.hidden = true;
      document.title = pageTitle;
    }

    /** The error goes after the label (or legend) and hint, before the control, as GOV.UK does;
        the element described is the control, or the fieldset of a radio group. */
    function showError({ control, field, message }) {
      const described = control.type === "radio" ? field : control;
      const id = `${described.id || control.id}-error`;
      const error = document.createElement("p");
      error.className = "field-error";
      error.id = id;
      const prefix = document.createElement("span");
      prefix.className = "visually-hidden";
      prefix.textContent = "错误：";
      error.append(prefix, message);
      const hint = field.querySelector(":scope > .hint");
      const anchor = hint || field.querySelector(":scope > label, :scope > legend");
      if (control.type === "checkbox") field.prepend(error);
      else if (anchor) anchor.after(error);
      else field.prepend(error);
      field.classList.add("has-error");
      if (!("describedby" in described.dataset)) described.dataset.describedby = described.getAttribute("aria-describedby") || "";
      described.setAttribute("aria-describedby", [described.dataset.describedby, id].filter(Boolean).join(" "));
      if (control.type === "radio") {
        for (const radio of form.querySelectorAll(`input[name="${control.name}"]`)) radio.setAttribute("aria-invalid", "true");
      } else {
        control.setAttribute("aria-invalid", "true");
      }
    }

    function showSummary(items) {
      errorList.textContent = "";
      for (const item of items) {
        const li = document.createElement("li");
        if (item.control) {
          const link = document.createElement("a");
          link.href = `#${item.control.id}`;
          link.textContent = item.message;
          link.addEventListener("click", (event) => {
            event.preventDefault();
            const target = item.field || item.control;
            target.scrollIntoView({ block: "center" });
            item.control.focus({ preventScroll: true });
          });
          li.append(link);
        } else {
          li.textContent = item.message;
        }
        errorList.append(li);
      }
      errorBox.hidden = false;
      document.title = `错误：${pageTitle}`;
      errorBox.scrollIntoView({ block: "start" });
      errorBox.focus({ preventScroll: true });
    }

    // ---- what was filled in, for the receipt, the e-mail and the reference code

    /** [label, value] of every filled-in field, in page order (the date and code go separately). */
    function summary() {
      const lines = [];
      for (const control of form.elements) {
        if (!control.name || control.type === "hidden" || control.name === "date" || control.matches(":disabled") || control.closest(".honeypot")) continue;
        if (control.type === "radio") {
          if (control.checked) lines.push([control.closest("[data-group]").dataset.label, control.value]);
        } else if (control.type === "checkbox") {
          if (control.checked) lines.push([labelOf(control), control.dataset.summary || control.value]);
        } else if (control.type === "file") {
          if (control.files && control.files[0]) lines.push([labelOf(control), control.files[0].name]);
        } else if (control.tagName !== "BUTTON" && clean(control.value)) {
          lines.push([labelOf(control), control.value.trim()]);
        }
      }
      return lines;
    }

    function textPairs() {
      return [...new FormData(form)].filter(([, value]) => typeof value === "string");
    }

    /** The application as an e-mail body; every line break CRLF, as RFC 6068 wants in a mailto: body. */
    function mailBody(record) {
      const lines = ["政府信息公开申请", ""];
      for (const [label, value] of record.lines) lines.push(`${label}：${value.replace(/\r?\n/g, "\r\n")}`);
      lines.push(`申请日期：${formatDate(record.date)}`, `申请编号：${record.code}`, "");
      lines.push("（身份证明：请在本邮件中附上身份证件或者营业执照、登记证书的复印件或者照片。）");
      return lines.join("\r\n");
    }

    function record() {
      if (dateInput) dateInput.value = todayInShanghai();
      const code = referenceCode(textPairs());
      form.elements.namedItem("reference").value = code;
      return { code, date: dateInput ? dateInput.value : todayInShanghai(), lines: summary() };
    }

    // ---- the backends

    function showReceipt(data) {
      fillReceipt(receipt, data);
      if (backend === "email") {
        const body = mailBody(data);
        const subject = `政府信息公开申请（${data.code}）`;
        document.getElementById("apply-mailto").href =
          `mailto:${form.dataset.email}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
        document.getElementById("apply-mail-body").value = body;
      }
      form.hidden = true;
      for (const node of document.querySelectorAll(".form-intro")) node.hidden = true;
      document.documentElement.dataset.applyState = "receipt";
      receipt.hidden = false;
      receipt.scrollIntoView({ block: "start" });
      receipt.focus({ preventScroll: true });
    }

    async function sendToEndpoint(data) {
      submit.disabled = true;
      submit.setAttribute("aria-busy", "true");
      const label = submit.textContent;
      submit.textContent = "正在提交……";
      try {
        const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        showReceipt(data);
      } catch (error) {
        showSummary([{ message: "申请没有提交成功（网络或者接收服务器出了问题）。您填写的内容都还在，请稍后再试一次，或者选择本页列出的其他申请方式。" }]);
      } finally {
        submit.disabled = false;
        submit.removeAttribute("aria-busy");
        submit.textContent = label;
      }
    }

    form.addEventListener("submit", (event) => {
      clearErrors();
      const found = problems();
      if (found.length) {
        event.preventDefault();
        found.forEach(showError);
        showSummary(found);
        return;
      }
      const data = record();
      if (backend === "netlify") {
        // the browser posts the form itself (Netlify answers with the success page); the receipt
        // waits for that page in this tab's storage, which the tab's closing clears
        try {
          sessionStorage.setItem(RECEIPT_KEY, JSON.stringify(data));
        } catch (error) {
          /* storage off: the success page says what it can without the receipt */
        }
        submit.disabled = true; // a second click would file the application twice
        return;
      }
      event.preventDefault();
      if (backend === "endpoint") sendToEndpoint(data);
      else showReceipt(data);
    });

    if (receipt) {
      const edit = receipt.querySelector("[data-receipt-edit]");
      if (edit) {
        edit.addEventListener("click", () => {
          receipt.hidden = true;
          form.hidden = false;
          for (const node of document.querySelectorAll(".form-intro")) node.hidden = false;
          delete document.documentElement.dataset.applyState;
          document.getElementById("apply-form-heading").scrollIntoView({ block: "start" });
          submit.focus({ preventScroll: true });
        });
      }
    }
  }

  function fillReceipt(receipt, data) {
    receipt.querySelector("[data-receipt-code]").textContent = data.code;
    receipt.querySelector("[data-receipt-date]").textContent = formatDate(data.date);
    const list = receipt.querySelector("[data-receipt-fields]");
    list.textContent = "";
    for (const [label, value] of data.lines) {
      const row = document.createElement("div");
      const term = document.createElement("dt");
      const detail = document.createElement("dd");
      term.textContent = label;
      detail.textContent = value;
      row.append(term, detail);
      list.append(row);
    }
    const print = receipt.querySelector("[data-receipt-print]");
    if (print && !print.dataset.wired) {
      print.dataset.wired = "1";
      print.addEventListener("click", () => window.print());
    }
  }

  /** The Netlify success page: the receipt the form kept before it was posted, if this tab has it. */
  function initSuccess(page) {
    let data = null;
    try {
      data = JSON.parse(sessionStorage.getItem(RECEIPT_KEY) || "null");
    } catch (error) {
      data = null;
    }
    const receipt = page.querySelector("#apply-receipt");
    if (!data || !receipt) return;
    fillReceipt(receipt, data);
    for (const node of page.querySelectorAll("[data-receipt-missing]")) node.hidden = true;
    document.documentElement.dataset.applyState = "receipt";
    receipt.hidden = false;
  }

  const form = document.getElementById("apply-form");
  if (form) initForm(form);
  const success = document.getElementById("apply-success");
  if (success) initSuccess(success);
})();
