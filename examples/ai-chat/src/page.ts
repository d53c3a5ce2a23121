/**
 * The chat page. It speaks the AI SDK's UI message stream protocol, the one `useChat` reads:
 * it POSTs `{ id, messages }` (UI messages, sent back whole each turn) and applies the streamed
 * chunks (`text-delta`, `tool-input-available`, `tool-output-available`, …) to the assistant
 * message. Plain JavaScript, so the example needs no bundler; a React app would call
 * `useChat()` against the same endpoint.
 */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tinyllm · AI SDK chat</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  .message { margin: .5rem 0; padding: .5rem .75rem; border-radius: .5rem; white-space: pre-wrap; }
  .user { background: #eef; } .assistant { background: #f4f4f4; }
  .tool { font: 13px ui-monospace, monospace; color: #555; }
  .error { color: #b00; }
  form { display: flex; gap: .5rem; } input { flex: 1; padding: .4rem; }
</style>
</head>
<body>
<h1>tinyllm · AI SDK chat</h1>
<div id="messages"></div>
<form id="composer">
  <input id="prompt" autocomplete="off" placeholder="Ask: What is 12 * 7?">
  <button id="send" type="submit">Send</button>
  <button id="stop" type="button" disabled>Stop</button>
</form>
<script type="module">
const list = document.getElementById('messages');
const form = document.getElementById('composer');
const input = document.getElementById('prompt');
const stopButton = document.getElementById('stop');
const chatId = crypto.randomUUID();
const messages = [];
let controller;

function render(message) {
  let node = document.getElementById(message.id);
  if (!node) {
    node = document.createElement('div');
    node.id = message.id;
    node.className = 'message ' + message.role;
    list.append(node);
  }
  node.replaceChildren(...message.parts.flatMap((part) => {
    if (part.type === 'text') {
      const span = document.createElement('span');
      span.className = 'text';
      span.textContent = part.text;
      return [span];
    }
    if (part.type.startsWith('tool-')) {
      const div = document.createElement('div');
      div.className = 'tool';
      div.dataset.tool = part.type.slice(5);
      div.textContent = part.type.slice(5) + '(' + JSON.stringify(part.input ?? {}) + ')' +
        (part.state === 'output-available' ? ' → ' + JSON.stringify(part.output) : '');
      return [div];
    }
    return [];
  }));
}

function apply(message, chunk, texts, tools) {
  switch (chunk.type) {
    case 'start': if (chunk.messageId) message.id = chunk.messageId; break;
    case 'start-step': message.parts.push({ type: 'step-start' }); break;
    case 'text-start': texts[chunk.id] = { type: 'text', text: '', state: 'streaming' }; message.parts.push(texts[chunk.id]); break;
    case 'text-delta': texts[chunk.id].text += chunk.delta; break;
    case 'text-end': texts[chunk.id].state = 'done'; break;
    case 'tool-input-available': {
      const part = { type: 'tool-' + chunk.toolName, toolCallId: chunk.toolCallId, state: 'input-available', input: chunk.input };
      tools[chunk.toolCallId] = part;
      message.parts.push(part);
      break;
    }
    case 'tool-output-available': Object.assign(tools[chunk.toolCallId], { state: 'output-available', output: chunk.output }); break;
    case 'error': {
      const error = document.createElement('div');
      error.className = 'error';
      error.textContent = chunk.errorText;
      list.append(error);
      break;
    }
  }
}

async function send(text) {
  messages.push({ id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text }] });
  render(messages.at(-1));
  const message = { id: crypto.randomUUID(), role: 'assistant', parts: [] };
  const texts = {};
  const tools = {};
  controller = new AbortController();
  stopButton.disabled = false;
  try {
    const response = await fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, messages }),
      signal: controller.signal,
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\\n\\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\\n');
        if (data === '' || data === '[DONE]') continue;
        apply(message, JSON.parse(data), texts, tools);
        render(message);
      }
    }
  } catch (error) {
    if (error.name !== 'AbortError') throw error;
    message.parts.push({ type: 'text', text: ' [stopped]' });
    render(message);
  } finally {
    stopButton.disabled = true;
    messages.push(message);
    document.body.dataset.state = 'idle';
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  document.body.dataset.state = 'busy';
  void send(text);
});
stopButton.addEventListener('click', () => controller?.abort());
</script>
</body>
</html>
`;
