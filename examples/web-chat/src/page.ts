/**
 * The chat page: one HTML file with inline CSS and script, no build step. It posts the
 * conversation to `/api/chat` and reads the SSE reply from the fetch body (EventSource cannot
 * POST) with core's `parseSSEStream` (served at `/sse-client.js`), streams text into the last
 * bubble and renders tool calls with their results.
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
import { parseSSEStream } from '/sse-client.js';

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
    for await (const event of parseSSEStream(response)) {
      if (event.type === 'text-delta') {
        bubble.textContent += event.text;
        bubble.dataset.deltas = String(Number(bubble.dataset.deltas) + 1);
      } else if (event.type === 'tool-call') {
        const { id, name, arguments: args } = event.toolCall;
        const call = add('tool-call', name + '(' + JSON.stringify(args) + ')');
        call.dataset.name = name;
        calls.set(id, call);
      } else if (event.type === 'tool-result') {
        const result = document.createElement('span');
        result.className = 'tool-result';
        result.textContent = ' → ' + event.toolResult.content;
        calls.get(event.toolResult.toolCall.id)?.append(result);
        // The answer after a tool result goes into a new bubble, below the call.
        bubble = add('assistant');
        bubble.dataset.deltas = '0';
      } else if (event.type === 'finish') {
        const seconds = (event.timings.totalMs / 1000).toFixed(2);
        const cached = event.usage.cachedInputTokens ? ' (' + event.usage.cachedInputTokens + ' cached)' : '';
        add('usage', event.usage.inputTokens + ' in' + cached + ' + ' + event.usage.outputTokens + ' out tokens, first after ' + Math.round(event.timings.timeToFirstTokenMs ?? 0) + ' ms, ' + seconds + ' s');
      }
    }
    messages.push({ role: 'assistant', content: bubble.textContent });
  } catch (error) {
    if (controller.signal.aborted) add('usage', '(stopped)');
    // parseSSEStream throws the server's error event as a TinyLLMError with its code.
    else add('error', error.code ? error.code + ': ' + error.message : String(error.message ?? error));
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
