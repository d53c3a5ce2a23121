/**
 * The chat page: one HTML file with inline CSS and script, no build step. It posts the
 * conversation to `/api/chat`, reads the SSE reply from the fetch body (EventSource cannot POST),
 * streams text into the last bubble and renders tool calls with their results.
 */
export const pageHtml = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tinyllm web chat</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
  #log { border: 1px solid #ccc; border-radius: 6px; padding: .5rem; min-height: 12rem; }
  .message { margin: .4rem 0; white-space: pre-wrap; }
  .user::before { content: "you: "; font-weight: 600; }
  .assistant::before { content: "assistant: "; font-weight: 600; }
  .tool-call { font-family: ui-monospace, monospace; background: #f3f3f7; border-left: 3px solid #77a; padding: .2rem .5rem; margin: .3rem 0; }
  .tool-result { color: #375; }
  .usage { color: #777; font-size: 12px; }
  .error { color: #b00; }
  form { display: flex; gap: .5rem; margin-top: .7rem; }
  #input { flex: 1; padding: .4rem; }
</style>
</head>
<body>
<h1>tinyllm web chat</h1>
<label>Model <select id="model"></select></label>
<div id="log" aria-live="polite"></div>
<form id="form">
  <input id="input" autocomplete="off" placeholder="Ask something, e.g. what is 12 times 7?">
  <button id="send" type="submit">Send</button>
  <button id="stop" type="button" disabled>Stop</button>
</form>
<script type="module">
const log = document.getElementById('log');
const form = document.getElementById('form');
const input = document.getElementById('input');
const modelSelect = document.getElementById('model');
const stopButton = document.getElementById('stop');
const sendButton = document.getElementById('send');
let messages = [];
let controller;

const models = await (await fetch('/api/models')).json();
for (const model of models) modelSelect.add(new Option(model.name + ' (' + model.provider + ')', model.name));

function add(className, text) {
  const element = document.createElement('div');
  element.className = 'message ' + className;
  element.textContent = text ?? '';
  log.append(element);
  return element;
}

/** Parses SSE frames ("event: x\\ndata: {...}\\n\\n") from a fetch body. */
async function* serverEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (true) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\\n\\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data !== undefined) yield { event, data: JSON.parse(data) };
    }
  }
}

form.addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const text = input.value.trim();
  if (!text || controller) return;
  input.value = '';
  add('user', text);
  messages.push({ role: 'user', content: text });
  let bubble = add('assistant');
  bubble.dataset.deltas = '0';
  const calls = new Map();
  controller = new AbortController();
  stopButton.disabled = false;
  sendButton.disabled = true;
  try {
    const response = await fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelSelect.value, messages }),
      signal: controller.signal,
    });
    if (!response.ok) throw new Error((await response.json()).error.message);
    for await (const { event, data } of serverEvents(response.body)) {
      if (event === 'text') {
        bubble.textContent += data.text;
        bubble.dataset.deltas = String(Number(bubble.dataset.deltas) + 1);
      } else if (event === 'tool-call') {
        const call = add('tool-call', data.name + '(' + JSON.stringify(data.arguments) + ')');
        call.dataset.name = data.name;
        calls.set(data.id, call);
      } else if (event === 'tool-result') {
        const result = document.createElement('span');
        result.className = 'tool-result';
        result.textContent = ' → ' + data.content;
        calls.get(data.id)?.append(result);
        // The answer after a tool result goes into a new bubble, below the call.
        bubble = add('assistant');
        bubble.dataset.deltas = '0';
      } else if (event === 'usage') {
        const seconds = (data.timings.totalMs / 1000).toFixed(2);
        add('usage', data.usage.outputTokens + ' tokens, first after ' + Math.round(data.timings.timeToFirstTokenMs ?? 0) + ' ms, ' + seconds + ' s');
      } else if (event === 'error') {
        add('error', data.code + ': ' + data.message);
      }
    }
    messages.push({ role: 'assistant', content: bubble.textContent });
  } catch (error) {
    if (controller.signal.aborted) add('usage', '(stopped)');
    else add('error', String(error.message ?? error));
  } finally {
    controller = undefined;
    stopButton.disabled = true;
    sendButton.disabled = false;
  }
});

stopButton.addEventListener('click', () => controller?.abort());
</script>
</body>
</html>
`;
