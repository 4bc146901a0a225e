/* govsite serve only, never part of build/: govsite/serve.py adds this script to every HTML page
   it sends. It listens to the preview's event stream (/__govsite__/events), reloads the page after
   each successful rebuild, and shows a failed build's errors in a dialog over the last good page.
   Text from the build reaches the page only as DOM text. A file, not inline, so the page keeps
   to the site's Content-Security-Policy. */
"use strict";

(() => {
  const script = document.currentScript;
  const version = script.dataset.version;
  /** Set only on the page shown while no build has succeeded: it lists the errors itself. */
  const errorPageBuilds = script.dataset.builds;
  let dialog = null;
  let dismissed = -1;

  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = "/__govsite__/overlay.css";
  document.head.append(stylesheet);

  /** This page's address as the preview names pages: /a/b/ (the server sends them decoded). */
  const here = decodeURIComponent(location.pathname);

  const events = new EventSource("/__govsite__/events");
  // The edited documents' own pages, made before the build (served as it will write them).
  events.addEventListener("quick", (event) => {
    const status = JSON.parse(event.data);
    if (status.quick.includes(here) && String(status.version + 1) !== version) location.reload();
  });
  events.addEventListener("reload", (event) => {
    const status = JSON.parse(event.data);
    // (a quick page is one version ahead of the site until its build ends: not older, not reloaded)
    if (status.version > Number(version) || status.stale.includes(here) || errorPageBuilds !== undefined) {
      location.reload();
    } else {
      hide();
    }
  });
  events.addEventListener("problems", (event) => {
    const status = JSON.parse(event.data);
    if (errorPageBuilds !== undefined) {
      if (String(status.builds) !== errorPageBuilds) location.reload();
      return;
    }
    if (status.builds !== dismissed) show(status);
  });

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(status) {
    hide();
    dialog = element("dialog", "govsite-overlay");
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-labelledby", "govsite-overlay-title");
    dialog.setAttribute("aria-describedby", "govsite-overlay-summary");
    dialog.append(element("h2", "", "构建出错"));
    dialog.firstChild.id = "govsite-overlay-title";
    const summary = element(
      "p",
      "",
      `共 ${status.total} 个错误，涉及 ${status.files} 个文件。` +
        "页面仍是上次构建成功的网站；改正后保存，这里会自动刷新。"
    );
    summary.id = "govsite-overlay-summary";
    dialog.append(summary);
    const list = element("ol", "govsite-problems");
    for (const problem of status.problems) {
      const item = element("li");
      const where = element("p");
      where.append(element("code", "", problem.line ? `${problem.path}:${problem.line}` : problem.path));
      item.append(where, element("p", "", problem.message));
      if (problem.fix) item.append(element("p", "", `修改方法：${problem.fix}`));
      list.append(item);
    }
    dialog.append(list);
    if (status.total > status.problems.length) {
      dialog.append(element("p", "", `另有 ${status.total - status.problems.length} 个错误，见终端。`));
    }
    const close = element("button", "govsite-overlay-close", "关闭");
    close.type = "button";
    dialog.append(close);
    const shown = dialog;
    // Closed by the button or Escape: stays closed until the next build's errors.
    close.addEventListener("click", () => shown.close());
    shown.addEventListener("close", () => {
      dismissed = status.builds;
      hide();
    });
    document.body.append(shown);
    shown.showModal();
    close.focus();
  }

  function hide() {
    if (dialog) {
      const open = dialog;
      dialog = null;
      open.remove();
    }
  }
})();
