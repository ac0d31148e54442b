// The interview page: sends answers and commands, streams the interviewer's words (server-sent events over fetch).
// Every text from the server or the candidate is set with textContent, never parsed as HTML.
"use strict";

(function () {
  const page = document.getElementById("interview");
  if (!page) return;
  const sessionId = page.dataset.sessionId;
  const interviewer = page.dataset.interviewer;
  const transcript = document.getElementById("transcript");
  const form = document.getElementById("answer-form");
  const answer = document.getElementById("answer");
  const alertBox = document.getElementById("alert");
  const noticeBox = document.getElementById("notice");
  const statusLine = document.getElementById("status");
  const ended = document.getElementById("ended");
  const buttons = Array.from(form.querySelectorAll("button"));
  let busy = false;

  function addTurn(role, text, extraClass) {
    const item = document.createElement("li");
    item.className = "turn " + role + (extraClass ? " " + extraClass : "");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "interviewer" ? interviewer : "You";
    const words = document.createElement("p");
    words.className = "words";
    words.textContent = text;
    item.append(who, words);
    transcript.append(item);
    item.scrollIntoView({ block: "end" });
    return words;
  }

  function showAlert(message) {
    alertBox.textContent = message;
    alertBox.hidden = !message;
  }

  function setBusy(value) {
    busy = value;
    buttons.forEach((button) => { button.disabled = value; });
    answer.readOnly = value;
    page.dataset.busy = value ? "true" : "false";
  }

  function finish(data) {
    statusLine.textContent = data.status || "";
    noticeBox.textContent = (data.notices || []).join(" ");
    noticeBox.hidden = !(data.notices || []).length;
    if (data.done) {
      form.hidden = true;
      ended.hidden = false;
      page.dataset.done = "true";
    }
  }

  async function errorOf(response) {
    try {
      const body = await response.json();
      if (body && body.error) return body.error;
    } catch (ignored) { /* not JSON: fall through */ }
    return "The server answered " + response.status + ": reload the page to continue (everything said so far is saved).";
  }

  // One turn: the request, then the interviewer's line as it streams in.
  // Resolves to "refused" when the server turned the request down before storing anything, else "sent".
  async function stream(url, options, extraClass) {
    setBusy(true);
    showAlert("");
    let words = null;
    try {
      const response = await fetch(url, options);
      if (!response.ok) {
        showAlert(await errorOf(response));
        return "refused";
      }
      words = addTurn("interviewer", "", (extraClass || "") + " streaming");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = (block.match(/^event: (.*)$/m) || [])[1];
          const dataLine = (block.match(/^data: (.*)$/m) || [])[1];
          if (!event || dataLine === undefined) continue;
          const data = JSON.parse(dataLine);
          if (event === "piece") words.textContent += data;
          else if (event === "done") finish(data);
          else if (event === "error") showAlert(data.message);
        }
      }
      return "sent";
    } catch (err) {
      showAlert("Lost the connection to the local server: check that `interviewer serve` is still running, then reload the page.");
      return "sent";
    } finally {
      if (words) {
        words.parentElement.classList.remove("streaming");
        if (!words.textContent.trim()) words.parentElement.remove();
      }
      setBusy(false);
    }
  }

  function post(body) {
    return {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify(body),
    };
  }

  const base = "/api/sessions/" + encodeURIComponent(sessionId);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const text = answer.value.trim();
    if (!text) {
      showAlert("Your answer is empty: type your answer, then send it (or skip the question).");
      return;
    }
    const shown = addTurn("candidate", text);
    const sent = answer.value;
    answer.value = "";
    if ((await stream(base + "/answers", post({ text: sent }))) === "refused") {
      shown.parentElement.remove();  // nothing was stored: give the text back to edit
      answer.value = sent;
    }
    answer.focus();
  });

  answer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  buttons.filter((b) => b.dataset.command).forEach((button) => {
    button.addEventListener("click", async () => {
      if (busy) return;
      if (button.dataset.command === "/end" && !window.confirm("End the interview now? It is saved and you can get your debrief.")) return;
      await stream(base + "/commands", post({ name: button.dataset.command }), button.dataset.command === "/repeat" ? "repeated" : "");
    });
  });

  if (page.dataset.needsOpening === "true") {
    stream(base + "/opening", { headers: { "Accept": "text/event-stream" } });
  }
})();
