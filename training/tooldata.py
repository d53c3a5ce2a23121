"""Tool definitions, tool execution, chat-template rendering (Python mirror of the Jinja
template) and synthetic conversation generators for the tiny tool-use model."""
import json
import math
import random

DEFAULT_SYSTEM = "You are a helpful assistant."

WEATHER = {
    "Paris": {"condition": "sunny", "temperature_c": 21},
    "London": {"condition": "rainy", "temperature_c": 14},
    "Tokyo": {"condition": "cloudy", "temperature_c": 18},
    "New York": {"condition": "windy", "temperature_c": 16},
    "Berlin": {"condition": "cloudy", "temperature_c": 12},
    "Madrid": {"condition": "sunny", "temperature_c": 27},
    "Rome": {"condition": "sunny", "temperature_c": 24},
    "Sydney": {"condition": "sunny", "temperature_c": 25},
    "Moscow": {"condition": "snowy", "temperature_c": -3},
    "Cairo": {"condition": "sunny", "temperature_c": 33},
    "Toronto": {"condition": "foggy", "temperature_c": 9},
    "Dubai": {"condition": "sunny", "temperature_c": 38},
    "Oslo": {"condition": "snowy", "temperature_c": -5},
    "Lisbon": {"condition": "sunny", "temperature_c": 22},
    "Chicago": {"condition": "windy", "temperature_c": 11},
    "Seattle": {"condition": "rainy", "temperature_c": 10},
    "Mumbai": {"condition": "stormy", "temperature_c": 29},
    "Beijing": {"condition": "foggy", "temperature_c": 15},
    "Amsterdam": {"condition": "rainy", "temperature_c": 13},
    "Vienna": {"condition": "cloudy", "temperature_c": 17},
}

UNITS = ["km", "mi", "m", "ft", "kg", "lb", "c", "f", "l", "gal"]
# linear units: value_in_base = value * TO_BASE[unit]; conversion = value * TO_BASE[from] / TO_BASE[to]
TO_BASE = {"km": 1000, "mi": 1609.344, "m": 1, "ft": 0.3048, "kg": 1, "lb": 0.45359237, "l": 1, "gal": 3.785411784}
DIMENSION = {"km": "length", "mi": "length", "m": "length", "ft": "length", "kg": "mass", "lb": "mass",
             "c": "temperature", "f": "temperature", "l": "volume", "gal": "volume"}

TOOLS = [
    {"type": "function", "function": {
        "name": "calculator",
        "description": "Evaluate an arithmetic expression.",
        "parameters": {"type": "object", "properties": {
            "expression": {"type": "string", "description": "e.g. 12 * (3 + 4)"}}, "required": ["expression"]}}},
    {"type": "function", "function": {
        "name": "convert_units",
        "description": "Convert a value between units.",
        "parameters": {"type": "object", "properties": {
            "value": {"type": "number"},
            "from": {"type": "string", "enum": UNITS},
            "to": {"type": "string", "enum": UNITS}}, "required": ["value", "from", "to"]}}},
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string"}}, "required": ["city"]}}},
]


# ---------------------------------------------------------------- number formatting

def js_round(x):
    """JavaScript Math.round: nearest integer, ties toward +infinity."""
    f = math.floor(x)
    return f + 1 if x - f >= 0.5 else f


def fmt_num(x):
    """String(Math.round(x*100)/100) exactly as JavaScript prints it (for |x| < 1e21)."""
    v = js_round(x * 100) / 100
    if v == 0:
        return "0"
    if v == int(v):
        return str(int(v))
    return repr(v)


def num_value(x):
    """Number as it should appear in JSON (int when integral)."""
    v = js_round(x * 100) / 100
    return int(v) if v == int(v) else v


# ---------------------------------------------------------------- tool execution

def _tokenize_expr(s):
    toks, i = [], 0
    while i < len(s):
        c = s[i]
        if c in " \t":
            i += 1
        elif c in "+-*/()":
            toks.append(c)
            i += 1
        elif c.isdigit() or c == ".":
            j = i
            while j < len(s) and (s[j].isdigit() or s[j] == "."):
                j += 1
            toks.append(float(s[i:j]))
            i = j
        else:
            raise ValueError("bad char")
    return toks


def eval_expr(s):
    toks = _tokenize_expr(s)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        t = toks[pos[0]]
        pos[0] += 1
        return t

    def expr():
        v = term()
        while peek() in ("+", "-"):
            op = take()
            r = term()
            v = v + r if op == "+" else v - r
        return v

    def term():
        v = factor()
        while peek() in ("*", "/"):
            op = take()
            r = factor()
            v = v * r if op == "*" else v / r
        return v

    def factor():
        t = peek()
        if t == "-":
            take()
            return -factor()
        if t == "+":
            take()
            return factor()
        if t == "(":
            take()
            v = expr()
            if take() != ")":
                raise ValueError("paren")
            return v
        if isinstance(t, float):
            take()
            return t
        raise ValueError("syntax")

    v = expr()
    if pos[0] != len(toks):
        raise ValueError("trailing")
    return v


def run_tool(name, args):
    """Returns the tool result object (the TS side serializes it with JSON.stringify)."""
    if name == "calculator":
        try:
            v = eval_expr(str(args.get("expression", "")))
            if math.isinf(v) or math.isnan(v):
                return {"error": "invalid expression"}
            return {"result": num_value(v)}
        except (ValueError, IndexError, ZeroDivisionError):
            return {"error": "invalid expression"}
    if name == "convert_units":
        v, a, b = args.get("value"), args.get("from"), args.get("to")
        if not isinstance(v, (int, float)) or a not in DIMENSION or b not in DIMENSION or DIMENSION[a] != DIMENSION[b]:
            return {"error": "invalid units"}
        if a == "c" and b == "f":
            r = v * 9 / 5 + 32
        elif a == "f" and b == "c":
            r = (v - 32) * 5 / 9
        elif a == b:
            r = v
        else:
            r = v * TO_BASE[a] / TO_BASE[b]
        return {"result": num_value(r), "unit": b}
    if name == "get_weather":
        city = args.get("city")
        if city in WEATHER:
            return {"city": city, **WEATHER[city]}
        return {"error": "unknown city"}
    return {"error": "unknown tool"}


def to_json_compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def to_json_spaced(obj):
    return json.dumps(obj, ensure_ascii=False)


# ---------------------------------------------------------------- chat template

CHAT_TEMPLATE = (
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n"
    "    {%- else %}\n"
    "        {{- '" + DEFAULT_SYSTEM + "' }}\n"
    "    {%- endif %}\n"
    "    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n"
    "        {{- \"\\n\" }}\n"
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\n" + DEFAULT_SYSTEM + "<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n"
    "            {{- '\\n' + message.content }}\n"
    "        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n"
    "            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n"
    "            {%- if tool_call.arguments is string %}\n"
    "                {{- tool_call.arguments }}\n"
    "            {%- else %}\n"
    "                {{- tool_call.arguments | tojson }}\n"
    "            {%- endif %}\n"
    "            {{- '}\\n</tool_call>' }}\n"
    "        {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)


def render_system(tools, system=None):
    s = "<|im_start|>system\n" + (system if system is not None else DEFAULT_SYSTEM)
    if tools:
        s += "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>"
        for t in tools:
            s += "\n" + to_json_spaced(t)
        s += "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
    else:
        s += "<|im_end|>\n"
    return s


def render_tool_call(name, arguments):
    return '<tool_call>\n{"name": "' + name + '", "arguments": ' + to_json_spaced(arguments) + '}\n</tool_call>'


def render_chat(messages, tools=None, add_generation_prompt=False):
    """Python mirror of CHAT_TEMPLATE. Returns the full text. Checked against
    @huggingface/jinja by training/verify-with-transformers.mjs via reference.json."""
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
    out = render_system(tools, system)
    for i, m in enumerate(messages):
        r = m["role"]
        if r == "user" or (r == "system" and i > 0) or (r == "assistant" and not m.get("tool_calls")):
            out += "<|im_start|>" + r + "\n" + m["content"] + "<|im_end|>\n"
        elif r == "assistant":
            out += "<|im_start|>assistant"
            if m.get("content"):
                out += "\n" + m["content"]
            for tc in m["tool_calls"]:
                f = tc.get("function", tc)
                out += "\n" + render_tool_call(f["name"], f["arguments"])
            out += "<|im_end|>\n"
        elif r == "tool":
            if i == 0 or messages[i - 1]["role"] != "tool":
                out += "<|im_start|>user"
            out += "\n<tool_response>\n" + m["content"] + "\n</tool_response>"
            if i == len(messages) - 1 or messages[i + 1]["role"] != "tool":
                out += "<|im_end|>\n"
    if add_generation_prompt:
        out += "<|im_start|>assistant\n"
    return out


# ---------------------------------------------------------------- phrasings
# Each list: (train templates, held-out-only templates)

CALC_WORD_OPS = {"*": ["times", "multiplied by"], "+": ["plus", "added to"], "-": ["minus"], "/": ["divided by"]}
CALC_BIN_TRAIN = [
    "what is {a} {w} {b}?", "what's {a} {w} {b}", "What is {a} {w} {b}?", "how much is {a} {w} {b}?",
    "calculate {a} {w} {b}", "compute {a} {w} {b} please", "{a} {w} {b}?", "can you calculate {a} {w} {b}?",
    "tell me {a} {w} {b}", "whats {a} {w} {b}?", "please compute {a} {w} {b}.", "work out {a} {w} {b}",
]
CALC_BIN_HELD = [
    "hey, what do you get for {a} {w} {b}?", "quick math: {a} {w} {b}", "I need to know {a} {w} {b}, thanks",
    "could you work out {a} {w} {b} for me?", "do the math: {a} {w} {b}",
]
CALC_SYM_TRAIN = [
    "calculate {e}", "what is {e}?", "compute {e}", "{e} = ?", "{e}", "what's {e}", "evaluate {e}",
    "solve {e}", "please calculate {e}", "How much is {e}?", "can you compute {e} for me?", "result of {e}?",
]
CALC_SYM_HELD = [
    "help me with this sum: {e}", "I'd like the answer to {e}", "figure out {e} please",
    "what does {e} come to?", "mind calculating {e}?",
]

UNIT_WORDS = {
    "km": ["km", "kilometers", "kilometres", "kilometer"],
    "mi": ["mi", "miles", "mile"],
    "m": ["m", "meters", "metres", "meter"],
    "ft": ["ft", "feet", "foot"],
    "kg": ["kg", "kilograms", "kilos", "kilogram"],
    "lb": ["lb", "lbs", "pounds", "pound"],
    "c": ["°C", "celsius", "degrees celsius", "C", "degrees C"],
    "f": ["°F", "fahrenheit", "degrees fahrenheit", "F", "degrees F"],
    "l": ["l", "liters", "litres", "liter"],
    "gal": ["gal", "gallons", "gallon"],
}
UNIT_DISPLAY = {"c": "°C", "f": "°F"}
CONV_TRAIN = [
    "convert {v} {u1} to {u2}", "how many {u2} is {v} {u1}?", "what is {v} {u1} in {u2}?", "{v} {u1} to {u2}",
    "how much is {v} {u1} in {u2}?", "Convert {v} {u1} into {u2}.", "{v} {u1} in {u2}?", "what's {v} {u1} in {u2}",
    "please convert {v} {u1} to {u2}", "can you convert {v} {u1} to {u2}?", "{v} {u1} equals how many {u2}?",
]
CONV_HELD = [
    "I have {v} {u1}, how many {u2} is that?", "turn {v} {u1} into {u2} please", "express {v} {u1} in {u2}",
    "hey, {v} {u1} is how many {u2}?", "need {v} {u1} converted to {u2}",
]

WEATHER_TRAIN = [
    "what's the weather in {c}?", "how is the weather in {c}?", "weather in {c}", "What is the weather like in {c}?",
    "is it raining in {c}?", "what's the temperature in {c}?", "tell me the weather for {c}", "how hot is it in {c}?",
    "weather {c}?", "is it cold in {c} right now?", "how's the weather in {c} today?", "check the weather in {c}",
    "what is it like outside in {c}?",
]
WEATHER_HELD = [
    "any idea what the weather is like in {c} today?", "I'm heading to {c}, what's the weather?",
    "could you check {c} weather for me?", "what's it like in {c} at the moment?", "do I need an umbrella in {c}?",
]
UNKNOWN_CITIES_TRAIN = ["Lima", "Denver", "Nairobi", "Bogota", "Hanoi", "Kyiv", "Dublin", "Prague", "Warsaw", "Athens",
                        "Boston", "Miami", "Zurich", "Seoul", "Manila", "Havana", "Perth", "Osaka"]
UNKNOWN_CITIES_HELD = ["Helsinki", "Santiago", "Lagos", "Budapest", "Montreal", "Dallas", "Jakarta", "Quito"]
SYL = ["ka", "lo", "mar", "ven", "tor", "li", "sa", "ber", "no", "ra", "din", "vel", "go", "tan", "mi", "rus", "del", "pe"]

GREET_TRAIN = ["hi", "hello", "hey", "hello there", "good morning", "hi!", "Hello!", "hey there", "good afternoon", "howdy", "Hi"]
GREET_HELD = ["hiya", "good evening", "hey hey", "greetings", "Hello, assistant"]
THANKS_TRAIN = ["thanks", "thank you", "thanks a lot", "cheers", "Thanks!", "thank you so much", "great, thanks"]
THANKS_HELD = ["much appreciated", "thx", "thanks a bunch"]
OOS_TRAIN = [
    "who wrote Hamlet?", "tell me a joke", "what is the capital of France?", "write a poem about the sea",
    "who are you?", "what's your name?", "recommend a movie", "how do I cook rice?", "translate hello to Spanish",
    "who painted the Mona Lisa?", "what is the meaning of life?", "tell me a story", "how do I learn to code?",
    "what is a black hole?", "who won the world cup?", "can you help me write an email?", "what time is it?",
    "explain photosynthesis", "sing a song", "what should I eat for dinner?", "who invented the telephone?",
    "what is the best programming language?", "tell me something interesting", "how tall is Mount Everest?",
]
OOS_HELD = [
    "who composed the Four Seasons?", "give me a riddle", "what is the largest ocean?", "summarize the news",
    "how do I fix my bike?", "what's a good book to read?", "explain quantum physics", "who discovered penicillin?",
    "can you play chess?", "what language is spoken in Brazil?", "write me a haiku", "what are you?",
]
ANSWER_GREET = "Hello! I can calculate, convert units and check the weather."
ANSWER_THANKS = "You're welcome!"
ANSWER_OOS = "Sorry, I can only calculate, convert units and check the weather."
# v7: a request for a tool the prompt does not list (or when it lists none) gets a plain answer, never a
# call to a tool the app did not give
ANSWER_MISSING_TOOL = "Sorry, I don't have a tool for that."


class Gen:
    def __init__(self, seed, held=False):
        self.r = random.Random(seed)
        self.held = held

    def pick_tpl(self, train, held):
        # held-out: ~50% of cases use phrasings never seen in training
        if self.held and self.r.random() < 0.5:
            return self.r.choice(held), True
        return self.r.choice(train), False

    def number(self, kind="int"):
        r = self.r
        x = r.random()
        if x < 0.45:
            return r.randint(1, 20)
        if x < 0.75:
            return r.randint(2, 999)
        if x < 0.88:
            return r.randint(1000, 99999)
        return r.randint(1, 999) + r.choice([0.5, 0.25, 0.75, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 0.9, 0.05, 0.35])

    def calc(self):
        r = self.r
        if r.random() < 0.5:
            op = r.choice(["*", "+", "-", "/"])
            a, b = self.number(), self.number()
            if op == "/" and r.random() < 0.5:
                b = r.randint(2, 12)
                a = b * r.randint(1, 99)
            w = r.choice(CALC_WORD_OPS[op])
            tpl, novel = self.pick_tpl(CALC_BIN_TRAIN, CALC_BIN_HELD)
            a_s, b_s = num_text(a), num_text(b)
            q = tpl.format(a=a_s, w=w, b=b_s)
            expr = f"{a_s} {op} {b_s}"
        else:
            n = r.choice([2, 2, 3, 3, 4])
            nums = [num_text(self.number()) for _ in range(n)]
            ops = [r.choice(["*", "+", "-", "/"]) for _ in range(n - 1)]
            parts = [nums[0]]
            for o, x in zip(ops, nums[1:]):
                parts += [o, x]
            # optional parentheses around one binary sub-expression
            if n >= 3 and r.random() < 0.5:
                i = r.randrange(0, n - 1) * 2
                parts = parts[:i] + ["(" + parts[i]] + parts[i + 1:i + 2] + [parts[i + 2] + ")"] + parts[i + 3:]
            expr = " ".join(parts)
            spaced = expr
            if r.random() < 0.3:
                spaced = expr.replace(" ", "")
            tpl, novel = self.pick_tpl(CALC_SYM_TRAIN, CALC_SYM_HELD)
            q = tpl.format(e=spaced)
        res = run_tool("calculator", {"expression": expr})
        if "error" in res:
            return self.calc()
        answer = f"{expr} = {fmt_num(res['result'])}."
        return dict(q=q, tool="calculator", args={"expression": expr}, result=res, answer=answer,
                    includes=[fmt_num(res["result"])], novel=novel)

    def convert(self):
        r = self.r
        dim = r.choice(["length", "length", "mass", "temperature", "volume"])
        units = [u for u in UNITS if DIMENSION[u] == dim]
        u1, u2 = r.sample(units, 2)
        v = num_value(self.number())
        if dim == "temperature":
            v = r.randint(-30, 120) if r.random() < 0.8 else num_value(r.randint(-30, 120) + 0.5)
        tpl, novel = self.pick_tpl(CONV_TRAIN, CONV_HELD)
        q = tpl.format(v=num_text(v), u1=r.choice(UNIT_WORDS[u1]), u2=r.choice(UNIT_WORDS[u2]))
        args = {"value": v, "from": u1, "to": u2}
        res = run_tool("convert_units", args)
        answer = f"{num_text(v)} {UNIT_DISPLAY.get(u1, u1)} is {fmt_num(res['result'])} {UNIT_DISPLAY.get(u2, u2)}."
        return dict(q=q, tool="convert_units", args=args, result=res, answer=answer,
                    includes=[fmt_num(res["result"])], novel=novel)

    def weather(self):
        r = self.r
        if r.random() < 0.85:
            city = r.choice(list(WEATHER))
        elif self.held:
            city = r.choice(UNKNOWN_CITIES_HELD)
        elif r.random() < 0.5:
            city = r.choice(UNKNOWN_CITIES_TRAIN)
        else:
            city = "".join(r.choice(SYL) for _ in range(r.randint(2, 3))).capitalize()
        tpl, novel = self.pick_tpl(WEATHER_TRAIN, WEATHER_HELD)
        q = tpl.format(c=city)
        res = run_tool("get_weather", {"city": city})
        if "error" in res:
            answer = f"Sorry, I don't have weather data for {city}."
            inc = [city]
        else:
            answer = f"In {city} it is {res['condition']} and {res['temperature_c']}°C."
            inc = [res["condition"], str(res["temperature_c"])]
        return dict(q=q, tool="get_weather", args={"city": city}, result=res, answer=answer, includes=inc, novel=novel)

    def notool(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            q, novel = self.pick_tpl(GREET_TRAIN, GREET_HELD)
            a = ANSWER_GREET
        elif x < 0.45:
            q, novel = self.pick_tpl(THANKS_TRAIN, THANKS_HELD)
            a = ANSWER_THANKS
        else:
            q, novel = self.pick_tpl(OOS_TRAIN, OOS_HELD)
            a = ANSWER_OOS
        return dict(q=q, tool=None, args=None, result=None, answer=a, includes=[], novel=novel)

    def sample(self, kind=None):
        if kind is None:
            x = self.r.random()
            kind = "calc" if x < 0.33 else "convert" if x < 0.6 else "weather" if x < 0.82 else "notool"
        return getattr(self, kind)()


def num_text(v):
    if isinstance(v, float):
        return fmt_num(v)
    return str(v)


def conversation_segments(ex, rng):
    """Returns a list of (text, is_assistant_target) segments following the system prefix.
    The tool message content is serialized compactly (JSON.stringify) most of the time and
    sometimes with Python-style spacing, so the model tolerates both."""
    segs = [("<|im_start|>user\n" + ex["q"] + "<|im_end|>\n<|im_start|>assistant\n", False)]
    if ex["tool"] is None:
        segs.append((ex["answer"] + "<|im_end|>", True))
        segs.append(("\n", False))
        return segs
    segs.append((render_tool_call(ex["tool"], ex["args"]) + "<|im_end|>", True))
    content = to_json_compact(ex["result"]) if rng.random() < 0.7 else to_json_spaced(ex["result"])
    segs.append(("\n<|im_start|>user\n<tool_response>\n" + content + "\n</tool_response><|im_end|>\n<|im_start|>assistant\n", False))
    segs.append((ex["answer"] + "<|im_end|>", True))
    segs.append(("\n", False))
    return segs


def heldout_case(i, ex):
    tool_prefix = {"calculator": "calc", "convert_units": "conv", "get_weather": "weather", None: "none"}[ex["tool"]]
    match = None
    if ex["tool"] == "calculator":
        match = {"expression": "numeric-eval"}
    elif ex["tool"] == "convert_units":
        match = {"value": "exact", "from": "exact", "to": "exact"}
    elif ex["tool"] == "get_weather":
        match = {"city": "exact"}
    return {
        "id": f"{tool_prefix}-{i:03d}",
        "messages": [{"role": "user", "content": ex["q"]}],
        "expected": {"tool": ex["tool"], "arguments": ex["args"], "match": match,
                     "answerIncludes": ex["includes"], "referenceAnswer": ex["answer"]},
        "novelPhrasing": ex["novel"],
    }


def reference_turn(expected):
    """The messages a right turn adds after the user's (in the tool loop's order): the tool call, its result and
    the answer, or the answer alone. `expected` is a case's "expected" (heldout_case)."""
    if expected["tool"] is None:
        return [{"role": "assistant", "content": expected["referenceAnswer"]}]
    call = {"function": {"name": expected["tool"], "arguments": expected["arguments"]}}
    return [{"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "content": to_json_compact(run_tool(expected["tool"], expected["arguments"]))},
            {"role": "assistant", "content": expected["referenceAnswer"]}]


# ---------------------------------------------------------------- v2 training data (augmented)
# The v1 data used a dozen fixed sentence frames per skill, and the model learnt positions instead
# of reading the request: on new frames it copied digits from where they used to be ("4126 / 9"
# for "...126 divided by 9") and called get_weather for anything it did not recognise. v2 keeps
# the v1 frames and adds, for training only: more frames written for v2, generic lead-ins and
# tails that shift every position, op-specific phrasings ("subtract 4 from 83"), many more
# unknown cities, and compositional out-of-scope requests. None of the held-out-only frames
# above is used (checked by assert_no_heldout_frames), and the held-out generator (Gen with
# held=True) is untouched, so eval/heldout.jsonl stays the same file.

LEADS = [
    "hey", "hey,", "hi,", "hello,", "ok", "ok,", "okay so", "so", "so,", "please", "please,", "quick question:",
    "question:", "one thing:", "next one:", "also", "also,", "and", "now", "right,", "yo", "excuse me,", "sorry,",
    "tell me,", "I wonder,", "just curious:", "assistant:", "Hey there!", "Good morning!", "Hi.", "another one:",
    "btw", "by the way,", "real quick,", "um", "hmm,", "well,", "listen,", "let's see:", "task:", "request:",
    "Hello! ", "alright,", "ok then,", "next:", "one more:", "hi again,", "so basically,", "I'm curious,",
]
TAILS = [
    "thanks", ", thanks", "please", ", please", "thank you", "for me", "for me please", "now", "right now",
    "quickly", "if you can", "asap", "!", " pls", ", ty", "cheers", ", cheers", ":)", "again", "too",
]
CALC_BIN_V2 = [
    "what would {a} {w} {b} be?", "I want {a} {w} {b}", "answer this: {a} {w} {b}", "{a} {w} {b} equals?",
    "find {a} {w} {b}", "give me {a} {w} {b}", "what's the result of {a} {w} {b}?", "tell me what {a} {w} {b} is",
    "determine {a} {w} {b}", "what is the value of {a} {w} {b}?", "{a} {w} {b} is what?", "let me know {a} {w} {b}",
    "can you tell me {a} {w} {b}?", "what's {a} {w} {b} exactly?", "{a} {w} {b} makes how much?",
    "please work out {a} {w} {b}", "so what is {a} {w} {b}", "solve {a} {w} {b}",
]
CALC_OP_V2 = {
    "+": ["add {a} and {b}", "the sum of {a} and {b}", "{a} and {b} added together", "what do {a} and {b} add up to?",
          "sum {a} and {b}", "add {a} to {b}"],
    "-": ["subtract {b} from {a}", "take {b} away from {a}", "{a} take away {b}", "{a} less {b}",
          "what is {a} less {b}?", "reduce {a} by {b}"],
    "*": ["multiply {a} by {b}", "the product of {a} and {b}", "{a} x {b}", "what is {a} x {b}?",
          "multiply {a} and {b}"],
    "/": ["divide {a} by {b}", "{a} over {b}", "what is {a} over {b}?", "{a} split {b} ways", "how many times does {b} go into {a}?"],
}
CALC_SYM_V2 = [
    "what's the answer to {e}?", "answer: {e}", "{e} equals what?", "give me the result of {e}", "please work out {e}",
    "can you solve {e}?", "eval {e}", "result for {e}", "tell me {e}", "what would {e} give?", "I need {e} calculated",
    "run {e}", "crunch {e}", "what number is {e}?", "so what is {e}", "{e}?", "{e} =", "what is {e} equal to?",
    "work out {e} for me", "calc {e}", "the answer to {e} is?", "could you evaluate {e}?",
]
CONV_V2 = [
    "how many {u2} are in {v} {u1}?", "{v} {u1} converted to {u2}", "change {v} {u1} to {u2}", "what are {v} {u1} in {u2}?",
    "{v} {u1} = ? {u2}", "give me {v} {u1} in {u2}", "I want {v} {u1} in {u2}", "convert from {u1} to {u2}: {v}",
    "{v} {u1} -> {u2}", "what does {v} {u1} make in {u2}?", "{v} {u1} is what in {u2}?", "switch {v} {u1} to {u2}",
    "tell me {v} {u1} in {u2}", "can you change {v} {u1} into {u2}?", "how much are {v} {u1} in {u2}?",
    "{v} {u1} into {u2} please", "what's {v} {u1} when converted to {u2}?", "{u1} to {u2}: {v}",
]
WEATHER_V2 = [
    "weather for {c} please", "{c} weather", "{c} weather?", "what's the forecast in {c}?", "forecast for {c}",
    "is it sunny in {c}?", "is it warm in {c}?", "will it snow in {c}?", "how cold is it in {c}?",
    "what are the conditions in {c}?", "current weather in {c}", "tell me about the weather in {c}",
    "show me the weather in {c}", "I want the weather in {c}", "can you get the weather in {c}?",
    "look up the weather in {c}", "what's the weather like over in {c}?", "temperature in {c}?",
    "is it windy in {c}?", "should I wear a coat in {c}?", "is it a nice day in {c}?", "how warm is {c} right now?",
    "what's the weather doing in {c}?", "weather report for {c}", "{c}: weather?", "is it hot in {c} today?",
]
UNKNOWN_CITIES_V2 = [
    "San Jose", "Cape Town", "Buenos Aires", "Hong Kong", "Los Angeles", "Rio de Janeiro", "Mexico City", "Kuala Lumpur",
    "Tel Aviv", "Las Vegas", "Salt Lake City", "Glasgow", "Porto", "Munich", "Hamburg", "Milan", "Naples", "Geneva",
    "Brussels", "Copenhagen", "Stockholm", "Reykjavik", "Istanbul", "Tehran", "Karachi", "Delhi", "Bangkok", "Singapore",
    "Shanghai", "Taipei", "Auckland", "Melbourne", "Vancouver", "Calgary", "Houston", "Phoenix", "Atlanta", "Detroit",
    "Austin", "Portland", "Caracas", "Havana", "Accra", "Dakar", "Tunis", "Riga", "Vilnius", "Sofia", "Belgrade", "Minsk",
]
GREET_V2 = ["good day", "yo", "sup", "hi hi", "morning", "hello friend", "hi, how are you?", "how are you?",
            "how's it going?", "nice to meet you", "what's up", "hola", "bonjour", "salutations", "hey buddy",
            "hello hello", "hey!", "hi there", "Hi!", "good morning!", "hey, how are you doing?", "hello?"]
THANKS_V2 = ["thanks so much", "ty", "appreciate it", "awesome, thank you", "perfect, thanks", "ok thanks", "nice, cheers",
             "thank u", "great, thank you!", "thanks!!", "many thanks", "cool, thanks"]
OOS_FRAMES_V2 = [
    "what is {n}?", "tell me about {n}", "explain {n}", "who invented {n}?", "how does {n} work?",
    "write a story about {n}", "write a poem about {n}", "give me a fact about {n}", "describe {n}",
    "why is {n} important?", "can you draw {n}?", "where can I buy {n}?", "how do I make {n}?",
    "what do you think about {n}?", "teach me about {n}", "I love {n}", "search the web for {n}", "play {n}",
    "remind me about {n}", "send an email about {n}", "what's the history of {n}?", "do you like {n}?",
    "is {n} good?", "give me ideas about {n}", "write a song about {n}", "who is famous for {n}?",
]
OOS_NOUNS_V2 = [
    "the moon", "dinosaurs", "pizza", "jazz", "the internet", "volcanoes", "cats", "football", "democracy", "gravity",
    "coffee", "a song", "music", "history", "Python", "the stock market", "poetry", "bitcoin", "the Roman empire",
    "electricity", "a cake", "bread", "a website", "my homework", "love", "friendship", "a car", "a vacation", "robots",
    "DNA", "the brain", "sleep", "a movie", "a podcast", "birds", "trees", "a marathon", "yoga", "the guitar",
    "the alphabet", "colors", "Mars", "a password", "a meeting", "taxes", "soccer", "painting", "dogs", "the piano",
    "rainbows", "computers", "the pyramids", "tea", "chocolate", "planets", "ancient Greece", "video games",
]
OOS_V2 = [
    "what day is it?", "set an alarm", "turn on the lights", "order a pizza", "who is the president?", "are you a robot?",
    "do you like music?", "what can you do?", "how old are you?", "I'm bored", "lol", "ok", "yes", "no", "what?", "help",
    "open the door", "call my mom", "play some music", "book a flight", "find a restaurant", "what's trending?",
    "can you dance?", "do you dream?", "what's your favorite color?", "tell me about yourself", "good night",
    "I feel sad", "make me laugh", "who made you?", "where do you live?", "can you keep a secret?",
    "what is love?", "how do magnets work?", "write some code", "fix my computer", "what should I watch tonight?",
]
OOS_CITY_V2 = ["how do I get to {c}?", "what is {c} famous for?", "tell me the history of {c}", "what language do they speak in {c}?",
               "best restaurants in {c}?", "how big is {c}?", "flights to {c}", "what country is {c} in?"]
ORDINARY_WORDS = ["apple", "river", "blue", "quick", "table", "window", "garden", "simple", "paper", "music", "silver",
                  "happy", "cloud", "stone", "early", "green", "little", "bright", "ocean", "forest", "smile", "yellow"]


# v3: filler words around a request. v2 still let the model find a number by its distance from
# the start or the end of the message (fixed frames, fixed lead-ins); random words of random
# length on either side leave only the digits themselves to go by. No tool cue among them.
FILLER_WORDS = [
    "the", "a", "my", "your", "this", "that", "just", "really", "so", "very", "quite", "maybe", "also", "then", "now",
    "today", "again", "still", "only", "please", "kindly", "hey", "ok", "yes", "well", "right", "sure", "friend",
    "buddy", "team", "boss", "teacher", "student", "kid", "mom", "dad", "sister", "brother", "neighbor", "colleague",
    "asked", "said", "wants", "needs", "wonders", "thinks", "told", "me", "us", "them", "it", "for", "with", "about",
    "from", "on", "at", "by", "of", "and", "or", "but", "because", "since", "while", "when", "before", "after", "if",
    "quick", "small", "big", "easy", "hard", "simple", "important", "urgent", "little", "other", "next", "last",
    "question", "thing", "task", "problem", "note", "idea", "project", "work", "school", "office", "home", "class",
    "meeting", "lunch", "dinner", "trip", "plan", "list", "report", "message", "email", "book", "game", "story",
    "I", "we", "you", "they", "he", "she", "am", "is", "are", "was", "be", "have", "had", "do", "did", "can", "could",
    "would", "should", "will", "must", "might", "need", "want", "like", "know", "think", "see", "try", "help",
    "sorry", "thanks", "cheers", "hmm", "um", "oh", "wow", "cool", "nice", "great", "fine", "good", "bad", "busy",
]


def pseudo_name(r):
    """A made-up place name: letters in consonant/vowel runs or at random, 4 to 10 long."""
    if r.random() < 0.5:
        cons, vows = "bcdfghjklmnprstvwyz", "aeiou"
        name = "".join(r.choice(cons) + r.choice(vows) + (r.choice(cons) if r.random() < 0.3 else "")
                       for _ in range(r.randint(2, 4)))
    else:
        name = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(4, 10)))
    return name.capitalize()


def _frame_words():
    words = set()
    for table in (FOLLOW_WEATHER, FOLLOW_CALC, FOLLOW_CONV_VALUE, FOLLOW_CONV_UNIT, FOLLOW_TEMP, THANKS_MT):
        for part in table.values():
            for frame in (sum(part.values(), []) if isinstance(part, dict) else part):
                words.update(w.strip("?,.!:") for w in frame.lower().split())
    return words


NUMBER_WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "half",
                "double", "twice", "triple", "plus", "minus", "times", "over"}


def noise_word(r):
    """A made-up lowercase word (v13): consonant/vowel runs, never a word of any follow-up frame or a number."""
    cons, vows = "bcdfghjklmnprstvwz", "aeiou"
    while True:
        w = "".join(r.choice(cons) + r.choice(vows) + (r.choice(cons) if r.random() < 0.4 else "")
                    for _ in range(r.randint(1, 3)))
        if len(w) >= 3 and w not in NUMBER_WORDS and w not in FRAME_WORDS and w not in FILLER_WORDS:
            return w


def _unseen_frame_words():
    """Words of dev or held-out follow-up and thanks frames that no training frame uses."""
    seen, unseen = set(), set()
    for table in (FOLLOW_WEATHER, FOLLOW_CALC, FOLLOW_CONV_VALUE, FOLLOW_CONV_UNIT, FOLLOW_TEMP, THANKS_MT):
        for name, part in table.items():
            frames = sum(part.values(), []) if isinstance(part, dict) else part
            words = {w.strip("?,.!:") for f in frames for w in f.lower().split()}
            (seen if name == "train" else unseen).update(words)
    for extra in (FOLLOW_V9, FOLLOW_V10):
        seen.update(w.strip("?,.!:") for fs in extra.values() for f in fs for w in f.lower().split())
    unseen.update(w.strip("?,.!:") for f in THANKS_HELD + GREET_HELD for w in f.lower().split())
    return unseen - seen


TYPO_BANNED = ["then", "top", "fewer", "tripled", "increase", "decrease", "thx"]


def frame_typo(tpl, r):
    """Data v17: tpl with one typo in one of its words of 4+ letters outside {placeholders}; tpl itself when
    the typo would make a word of a dev or held-out frame (or one close to them)."""
    words = tpl.split(" ")
    idx = [i for i, w in enumerate(words) if "{" not in w and sum(c.isalpha() for c in w) >= 4]
    if not idx:
        return tpl
    i = r.choice(idx)
    w = words[i]
    letters = [j for j, c in enumerate(w) if c.isalpha()]
    j = r.choice(letters[1:])  # the first letter stays: typos there are rare and change the word's look most
    kind = r.randrange(4)
    if kind == 0:
        w2 = w[:j] + w[j + 1:]
    elif kind == 1:
        w2 = w[:j] + w[j] + w[j:]
    elif kind == 2 and j + 1 < len(w) and w[j + 1].isalpha():
        w2 = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    else:
        w2 = w[:j] + r.choice("abcdefghijklmnopqrstuvwxyz") + w[j + 1:]
    bare = w2.lower().strip("?,.!:")
    if bare in UNSEEN_FRAME_WORDS or any(b in bare for b in TYPO_BANNED):
        return tpl
    words[i] = w2
    return " ".join(words)


def filler(r, lo, hi):
    return " ".join(r.choice(FILLER_WORDS) for _ in range(r.randint(lo, hi)))


# v5: the v3 model still failed two things on the dev set. (1) Unit order: only 2 of 29 training
# frames put the target unit before the source ("how many {u2} is {v} {u1}"), so it read the
# first unit as "from". V5 frames vary where the target unit sits. (2) Unknown city names: the
# name after a space in the request ("ĠD al la s") is a different first token from the name in
# the JSON call ("D al la s"), and with ~70 training names the model had memorised names instead
# of learning that mapping. v5 makes half of the weather requests unknown names, most of them
# random letters, so copying is the only way to fit them.
CONV_V5 = [
    "how many {u2} in {v} {u1}?", "how many {u2} does {v} {u1} make?", "how many {u2} would {v} {u1} be?",
    "how many {u2} equal {v} {u1}?", "in {u2}, how much is {v} {u1}?", "in {u2} please: {v} {u1}",
    "what's the {u2} equivalent of {v} {u1}?", "{u2} for {v} {u1}?", "I need {u2}: {v} {u1}",
    "how many {u2} are there in {v} {u1}?", "how much {u2} is {v} {u1}?", "get me the {u2} for {v} {u1}",
    "{u2}? {v} {u1}", "how many {u2} make up {v} {u1}?", "what number of {u2} is {v} {u1}?",
    "how many {u2} is {v} {u1} then?", "so {v} {u1} would be how many {u2}?", "{v} {u1}, in {u2} how much?",
    "{v} {u1} makes how many {u2}?", "{v} {u1} is equal to how many {u2}?", "for {v} {u1}, how many {u2}?",
    "with {v} {u1}, how much is it in {u2}?", "my {v} {u1} are how many {u2}?", "{v} {u1}: how many {u2}?",
]
UNKNOWN_CITIES_V5 = [
    "Adelaide", "Algiers", "Amman", "Ankara", "Antwerp", "Asuncion", "Baghdad", "Baku", "Baltimore", "Barcelona",
    "Basel", "Beirut", "Belfast", "Bergen", "Bern", "Bilbao", "Birmingham", "Bologna", "Bordeaux", "Bratislava",
    "Brisbane", "Bristol", "Bucharest", "Busan", "Cardiff", "Casablanca", "Chennai", "Chisinau", "Cologne",
    "Colombo", "Cordoba", "Cork", "Curitiba", "Damascus", "Dhaka", "Doha", "Dresden", "Durban", "Florence",
    "Frankfurt", "Fukuoka", "Gdansk", "Genoa", "Gothenburg", "Granada", "Graz", "Guadalajara", "Hanover", "Harare",
    "Hobart", "Honolulu", "Houston", "Indianapolis", "Innsbruck", "Kabul", "Kathmandu", "Khartoum", "Kigali",
    "Kingston", "Kolkata", "Kyoto", "La Paz", "Lahore", "Leeds", "Leipzig", "Lille", "Linz", "Liverpool", "Ljubljana",
    "Lusaka", "Luxembourg", "Lyon", "Malaga", "Malmo", "Managua", "Manchester", "Maputo", "Mecca", "Memphis",
    "Minneapolis", "Mombasa", "Monterrey", "Montevideo", "Nantes", "Nashville", "Nice", "Odessa", "Orlando",
    "Ottawa", "Palermo", "Panama City", "Pittsburgh", "Pune", "Rabat", "Recife", "Riyadh", "Rotterdam", "Salvador",
    "Sapporo", "Sarajevo", "Seville", "Skopje", "Split", "Stuttgart", "Surabaya", "Tallinn", "Tampa", "Tashkent",
    "Tbilisi", "Tirana", "Toulouse", "Tucson", "Turin", "Utrecht", "Valencia", "Valletta", "Venice", "Verona",
    "Victoria", "Windhoek", "Winnipeg", "Wroclaw", "Yerevan", "Zagreb", "Zaragoza", "Abuja", "Bamako", "Lome",
]

# v6: with names split into letters (tinytok split v3) the model copied names, but it no longer
# took a city as a cue for the weather tool: requests that do not say "weather" or a word of the
# v1-v5 weather frames got the out-of-scope answer on the dev set. V6 frames ask about the
# weather in other words (sky, sun, rain, degrees, jackets ...) and put the city in more places.
# They are written apart from the held-out and dev frames (assert_no_heldout_frames checks the
# lists; words such as "umbrella" or "heading to" of held-out frames are avoided altogether).
WEATHER_V6 = [
    "is the sun out in {c}?", "clear skies in {c} today?", "is the sky grey over {c}?", "any rain in {c}?",
    "will it rain in {c} today?", "is there snow in {c}?", "how many degrees is it in {c}?",
    "what temperature is it in {c} now?", "is it freezing in {c}?", "is it humid in {c}?", "is it stormy in {c}?",
    "do I need a jacket in {c}?", "should I bring sunglasses to {c}?", "is it shorts weather in {c}?",
    "how's it looking outside in {c}?", "conditions in {c} right now?", "{c} temperature please", "{c} forecast",
    "give me the {c} forecast", "is it foggy in {c}?", "is it cloudy over {c}?", "how chilly is {c} today?",
    "is {c} sunny today?", "is {c} cold right now?", "how warm does it feel in {c}?", "report the conditions for {c}",
    "tell me if it's raining in {c}", "{c} sky today?", "how's the sky above {c}?", "{c}: is it raining?",
    "{c}, how hot is it?", "{c} today, sunny or not?", "does {c} have good weather today?", "has {c} got rain today?",
    "what's the temperature over in {c}?", "is it t-shirt weather in {c}?", "rain or shine in {c}?",
    "how's {c} doing for weather?", "is {c} warm or cold today?", "what's the outlook for {c}?",
]


# v7: the tool list and system prompt of a request vary. Through v6 every example began with the same
# prefix (the default system prompt and TOOLS exactly as above), and the model came to depend on it:
# a request with only a get_weather tool described in other words, or the README's calculator
# defined with zod (no parameter description), got broken JSON. An app defines its own tools, in its
# own words, and often fewer of them, so v7 trains on variants: tools in any order, reworded
# descriptions, parameter descriptions and enums present or not, a subset of the three tools (the
# batch then asks only for tools in it), distractor tools it must not call, other system prompts.
TOOL_DESCRIPTIONS = {
    "calculator": ["Evaluate an arithmetic expression.", "Evaluate a math expression.", "A calculator.",
                   "Calculate the value of an arithmetic expression.", "Compute arithmetic", "Do math."],
    "convert_units": ["Convert a value between units.", "Unit conversion", "Convert between units of length, mass, "
                      "temperature and volume.", "Convert a quantity from one unit to another."],
    "get_weather": ["Get the current weather in a city.", "Current weather in a city", "Look up the weather for a city.",
                    "Weather lookup", "Returns the weather for a city."],
}
PARAM_DESCRIPTIONS = {
    "expression": ["e.g. 12 * (3 + 4)", "An arithmetic expression, e.g. 2 + 2", "The expression to evaluate"],
    "value": ["The value to convert", "Amount"],
    "from": ["Unit to convert from", "Source unit"],
    "to": ["Unit to convert to", "Target unit"],
    "city": ["City name", "The city, e.g. Paris", "Name of the city"],
}
# Tools no request in the data asks for (none overlaps the out-of-scope requests, which must stay
# plain answers): the model learns to leave them alone.
DISTRACTOR_TOOLS = [
    {"type": "function", "function": {"name": "get_stock_price", "description": "Get the latest price of a stock.",
                                      "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}},
                                                     "required": ["symbol"]}}},
    {"type": "function", "function": {"name": "roll_dice", "description": "Roll a die with the given number of sides.",
                                      "parameters": {"type": "object", "properties": {"sides": {"type": "integer"}},
                                                     "required": ["sides"]}}},
    {"type": "function", "function": {"name": "get_exchange_rate", "description": "Exchange rate between two currencies.",
                                      "parameters": {"type": "object", "properties": {
                                          "base": {"type": "string"}, "quote": {"type": "string"}},
                                          "required": ["base", "quote"]}}},
]
SYSTEM_PROMPTS_V7 = [
    "You are a concise assistant.", "Answer briefly.", "You are a helpful assistant that uses tools when needed.",
    "You are Tiny, a small assistant.", "Be helpful and precise.", "You are an assistant in a demo app.",
]
TOOL_KIND = {"calculator": "calc", "convert_units": "convert", "get_weather": "weather"}


def without_tool(ex):
    """The example as a request for a tool the prompt does not list: a plain answer, no call."""
    return dict(ex, tool=None, args=None, result=None, answer=ANSWER_MISSING_TOOL, includes=[])


def tool_variant(r, systems=None):
    """A (system prompt or None, tool list) pair for one training step, and the kinds of example the
    list serves. About 40% of steps keep the canonical prefix, the one the evaluation uses."""
    system = r.choice(systems or SYSTEM_PROMPTS_V7) if r.random() < 0.15 else None
    if r.random() < 0.4:
        return system, TOOLS, {"calc", "convert", "weather", "notool"}
    names = [t["function"]["name"] for t in TOOLS]
    keep = names if r.random() < 0.5 else r.sample(names, r.randint(1, 2))
    tools = []
    for t in TOOLS:
        f = t["function"]
        if f["name"] not in keep:
            continue
        props = {}
        for k, v in f["parameters"]["properties"].items():
            v = {"type": v["type"], **({"enum": v["enum"]} if "enum" in v and r.random() < 0.6 else {})}
            if r.random() < 0.4:
                v["description"] = r.choice(PARAM_DESCRIPTIONS[k])
            props[k] = v
        desc = f["description"] if r.random() < 0.4 else r.choice(TOOL_DESCRIPTIONS[f["name"]])
        tools.append({"type": "function", "function": {"name": f["name"], "description": desc, "parameters": {
            "type": "object", "properties": props, "required": f["parameters"]["required"]}}})
    if r.random() < 0.3:
        tools += r.sample(DISTRACTOR_TOOLS, r.randint(1, 2))
    r.shuffle(tools)
    return system, tools, {TOOL_KIND[n] for n in keep} | {"notool"}


class TrainGen(Gen):
    """Training-only generator: v1 frames plus the v2 augmentation above; with noise=True (data
    version 3) also filler words around requests and more long numbers; with names=True (data
    version 4) also more unknown cities, half of them made-up names (pseudo_name); with v5=True
    (data version 5) also the CONV_V5 unit orders and half of the weather requests unknown names; with
    v6=True (data version 6) also the WEATHER_V6 frames."""

    def __init__(self, seed, noise=False, names=False, v5=False, mix=None, unknown_city_frac=0.5, v6=False):
        super().__init__(seed, held=False)
        self.v6 = v6
        self.noise = noise
        self.names = names
        self.v5 = v5
        # v5 only: the share of each kind of example ({"calc": .., "convert": .., "weather": .., "notool": ..})
        # and the share of weather requests about a city outside the table
        self.mix = mix
        self.unknown_city_frac = unknown_city_frac

    def number(self, kind="int"):
        if not self.noise:
            return super().number(kind)
        r = self.r
        x = r.random()
        if x < 0.35:
            return r.randint(1, 20)
        if x < 0.6:
            return r.randint(2, 999)
        if x < 0.85:
            return r.randint(1000, 99999)
        return r.randint(1, 9999) + r.choice([0.5, 0.25, 0.75, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 0.9, 0.05, 0.35])

    def wrap(self, tpl):
        r = self.r
        if self.noise:
            x = r.random()
            if x < 0.3:
                tpl = filler(r, 1, 7) + (", " if r.random() < 0.3 else " ") + tpl
            elif x < 0.45:
                tpl = filler(r, 2, 6) + ". " + tpl
            y = r.random()
            if y < 0.2:
                tpl = tpl + (" " if r.random() < 0.5 else ", ") + filler(r, 1, 6)
            elif y < 0.3:
                tpl = tpl + " " + filler(r, 1, 4) + "?"
        if r.random() < 0.45:
            lead = r.choice(LEADS)
            tpl = lead + ("" if lead.endswith(" ") else " ") + tpl
        if r.random() < 0.3:
            tail = r.choice(TAILS)
            base = tpl.rstrip("?.!") if r.random() < 0.5 else tpl
            tpl = base + (tail if tail[0] in ",!:" or tail.startswith(" ") else " " + tail)
        x = r.random()
        if x < 0.08:
            tpl = tpl[:1].upper() + tpl[1:]
        elif x < 0.14:
            tpl = tpl.rstrip("?.!")
        return tpl

    def pick_tpl(self, train, held):
        r = self.r
        extra = {id(CALC_BIN_TRAIN): CALC_BIN_V2, id(CALC_SYM_TRAIN): CALC_SYM_V2, id(CONV_TRAIN): CONV_V2,
                 id(WEATHER_TRAIN): WEATHER_V2}.get(id(train))
        if extra is None:  # greetings, thanks, out-of-scope lists: plain strings, no wrapping
            return r.choice(train), False
        if self.v5 and extra is CONV_V2 and r.random() < 0.45:
            extra = CONV_V5
        if self.v6 and extra is WEATHER_V2 and r.random() < 0.5:
            extra = WEATHER_V6
        tpl = r.choice(train) if r.random() < 0.4 else r.choice(extra)
        return self.wrap(tpl).replace("{{", "{").replace("}}", "}"), False

    def calc(self):
        r = self.r
        if r.random() < 0.2:  # op-specific phrasings ("subtract b from a")
            op = r.choice(["*", "+", "-", "/"])
            a, b = self.number(), self.number()
            if op == "/" and r.random() < 0.5:
                b = r.randint(2, 12)
                a = b * r.randint(1, 99)
            a_s, b_s = num_text(a), num_text(b)
            expr = f"{a_s} {op} {b_s}"
            res = run_tool("calculator", {"expression": expr})
            if "error" in res:
                return self.calc()
            q = self.wrap(r.choice(CALC_OP_V2[op])).format(a=a_s, b=b_s)
            return dict(q=q, tool="calculator", args={"expression": expr}, result=res,
                        answer=f"{expr} = {fmt_num(res['result'])}.", includes=[fmt_num(res["result"])], novel=False)
        return super().calc()

    def weather(self):
        r = self.r
        if self.v5:
            x = r.random()
            k = 1 - self.unknown_city_frac  # known cities below k; the rest split 20/60/20
            if x < k:
                city = r.choice(list(WEATHER))
            elif x < k + 0.2 * (1 - k):
                city = r.choice(UNKNOWN_CITIES_TRAIN + UNKNOWN_CITIES_V2 + UNKNOWN_CITIES_V5)
            elif x < k + 0.8 * (1 - k):
                city = pseudo_name(r)
            else:
                city = pseudo_name(r) + " " + pseudo_name(r)
            if city in UNKNOWN_CITIES_HELD or city in UNKNOWN_CITIES_DEV:  # random letters, but never an eval city
                return self.weather()
        elif r.random() < (0.65 if self.names else 0.72):
            city = r.choice(list(WEATHER))
        else:
            x = r.random()
            if x < 0.3:
                city = r.choice(UNKNOWN_CITIES_TRAIN)
            elif x < 0.6:
                city = r.choice(UNKNOWN_CITIES_V2)
            elif x < 0.9:
                city = "".join(r.choice(SYL) for _ in range(r.randint(2, 4))).capitalize()
                if self.names and r.random() < 0.6:  # v4: names the BPE merges do not favour
                    city = pseudo_name(r)
            else:
                city = " ".join("".join(r.choice(SYL) for _ in range(r.randint(1, 3))).capitalize() for _ in range(2))
        tpl, _ = self.pick_tpl(WEATHER_TRAIN, WEATHER_HELD)
        q = tpl.format(c=city)
        res = run_tool("get_weather", {"city": city})
        if "error" in res:
            answer, inc = f"Sorry, I don't have weather data for {city}.", [city]
        else:
            answer = f"In {city} it is {res['condition']} and {res['temperature_c']}°C."
            inc = [res["condition"], str(res["temperature_c"])]
        return dict(q=q, tool="get_weather", args={"city": city}, result=res, answer=answer, includes=inc, novel=False)

    def notool(self):
        r = self.r
        x = r.random()
        if x < 0.22:
            q, a = r.choice(GREET_TRAIN + GREET_V2), ANSWER_GREET
        elif x < 0.32:
            q, a = r.choice(THANKS_TRAIN + THANKS_V2), ANSWER_THANKS
        else:
            a = ANSWER_OOS
            y = r.random()
            if y < 0.25:
                q = r.choice(OOS_TRAIN)
            elif y < 0.4:
                q = r.choice(OOS_V2)
            elif y < 0.8:
                q = r.choice(OOS_FRAMES_V2).format(n=r.choice(OOS_NOUNS_V2))
            elif y < 0.9:
                q = r.choice(OOS_CITY_V2).format(c=r.choice(list(WEATHER) + UNKNOWN_CITIES_V2))
            elif not self.noise or r.random() < 0.5:  # a few ordinary words with no request in them
                q = " ".join(r.choice(ORDINARY_WORDS) for _ in range(r.randint(1, 4)))
            else:
                q = filler(r, 2, 9) + r.choice(["", "?", ".", "!"])
            if r.random() < 0.25:
                q = r.choice(LEADS) + " " + q
        return dict(q=q, tool=None, args=None, result=None, answer=a, includes=[], novel=False)

    def sample(self, kind=None):
        if kind is None:
            x = self.r.random()
            if self.v5:  # more of the two skills v5 targets
                m = self.mix or {"calc": 0.26, "convert": 0.28, "weather": 0.28, "notool": 0.18}
                c1, c2, c3 = m["calc"], m["calc"] + m["convert"], m["calc"] + m["convert"] + m["weather"]
                kind = "calc" if x < c1 else "convert" if x < c2 else "weather" if x < c3 else "notool"
            else:
                kind = "calc" if x < 0.32 else "convert" if x < 0.56 else "weather" if x < 0.78 else "notool"
        return getattr(self, kind)()


def assert_no_heldout_frames():
    """The v2 lists must not contain any held-out-only frame or message."""
    held = CALC_BIN_HELD + CALC_SYM_HELD + CONV_HELD + WEATHER_HELD + GREET_HELD + THANKS_HELD + OOS_HELD
    v2 = (LEADS + TAILS + CALC_BIN_V2 + CALC_SYM_V2 + CONV_V2 + CONV_V5 + WEATHER_V2 + WEATHER_V6 + GREET_V2 + THANKS_V2 + OOS_V2
          + OOS_FRAMES_V2 + OOS_CITY_V2 + [f for fs in CALC_OP_V2.values() for f in fs])
    # the dev set must stay unseen too, or it stops being a fair way to pick checkpoints
    dev = CALC_BIN_DEV + CALC_SYM_DEV + CONV_DEV + WEATHER_DEV + NOTOOL_DEV
    held_norm = {h.lower().strip(" ?!.") for h in held + dev}
    clash = [s for s in v2 if s.lower().strip(" ?!.") in held_norm]
    assert not clash, f"held-out or dev frames in v2+ training lists: {clash}"
    cities = (set(UNKNOWN_CITIES_HELD) | set(UNKNOWN_CITIES_DEV) | set(PROBE_CITIES)) & (
        set(UNKNOWN_CITIES_V2) | set(UNKNOWN_CITIES_TRAIN) | set(UNKNOWN_CITIES_V5))
    assert not cities, f"held-out or dev cities in training lists: {cities}"


# ---------------------------------------------------------------- dev set (model selection)
# Frames used neither in training nor in the held-out set: quick_eval.py --dev scores a
# checkpoint on them, so training decisions never look at eval/heldout.jsonl.
CALC_BIN_DEV = ["yo, {a} {w} {b}?", "{a} {w} {b}, what's that?", "what comes out of {a} {w} {b}?",
                "my homework says {a} {w} {b}", "check {a} {w} {b} for me"]
CALC_SYM_DEV = ["what's {e} then?", "I got {e}, solve it", "can you do {e}", "math time: {e}", "{e} -> ?"]
CONV_DEV = ["{v} {u1} in {u2} is how much?", "what is the {u2} value of {v} {u1}?", "from {v} {u1} to {u2} please",
            "my recipe says {v} {u1}, how much in {u2}?", "{v} {u1} as {u2}?"]
WEATHER_DEV = ["weather check: {c}", "how does {c} look weather-wise?", "what's the sky like in {c}?",
               "going out in {c}, is it nice?", "what's the weather for {c} now?"]
UNKNOWN_CITIES_DEV = ["Edinburgh", "Marseille", "Krakow", "Nagoya", "Medellin", "Kampala"]
NOTOOL_DEV = ["good to see you", "heya", "what is your purpose?", "write a limerick", "who built the Eiffel Tower?",
              "how do plants grow?", "tell me a fun fact", "thanks, that helps", "recommend a podcast", "what's a good hobby?"]

# Real city names in no training, dev or held-out list, for quick_eval.py --probe cities: how well
# a checkpoint copies a name it has never seen (the skill the held-out unknown cities test),
# measured apart from phrasing and without looking at eval/heldout.jsonl.
PROBE_CITIES = ["Aberdeen", "Bangalore", "Bremen", "Cancun", "Dortmund", "Fresno", "Halifax", "Ibiza", "Jaipur",
                "Kazan", "Lucerne", "Mandalay", "Nairn", "Oaxaca", "Padua", "Quebec", "Rosario", "Salzburg",
                "Tijuana", "Uppsala", "Vladivostok", "Waterloo", "Yokohama", "Zanzibar", "Galway", "Marrakesh",
                "Cusco", "Perugia", "Dijon", "Mysore"]


class DevGen(Gen):
    """Dev-set generator: the held-out machinery with the dev-only frames above."""

    def __init__(self, seed):
        super().__init__(seed, held=True)

    def pick_tpl(self, train, held):
        dev = {id(CALC_BIN_TRAIN): CALC_BIN_DEV, id(CALC_SYM_TRAIN): CALC_SYM_DEV, id(CONV_TRAIN): CONV_DEV,
               id(WEATHER_TRAIN): WEATHER_DEV}.get(id(train))
        if dev is None:
            return self.r.choice(NOTOOL_DEV), True
        return self.r.choice(dev), True

    def weather(self):
        saved = UNKNOWN_CITIES_HELD[:]
        UNKNOWN_CITIES_HELD[:] = UNKNOWN_CITIES_DEV
        try:
            return super().weather()
        finally:
            UNKNOWN_CITIES_HELD[:] = saved

    def notool(self):
        q = self.r.choice(NOTOOL_DEV)
        a = ANSWER_THANKS if q.startswith("thanks") else ANSWER_GREET if q in ("good to see you", "heya") else ANSWER_OOS
        return dict(q=q, tool=None, args=None, result=None, answer=a, includes=[], novel=True)


def dev_cases(n=80, seed=2468):
    g = DevGen(seed)
    kinds = ["calc"] * 3 + ["convert"] * 2 + ["weather"] * 2 + ["notool"] * 2
    return [heldout_case(i + 1, g.sample(kinds[i % len(kinds)])) for i in range(n)]


# ---------------------------------------------------------------- v8: multi-turn conversations
# Through v7 every example was one exchange, and the model lost the thread after it: a second
# message got the first one's tool call back. v8 adds conversations of 1-4 earlier exchanges,
# written as the tool loop writes them (assistant tool call, tool result in a user turn, answer),
# or as a chat page that keeps only the text (user message, assistant answer), then a new
# message of every kind: another tool, the same tool with new arguments, a follow-up that only
# makes sense with the history ("and in Berlin?", "double that"), thanks, greetings and
# out-of-scope requests after tool turns. Each list of follow-up frames has a training part,
# a dev part (checkpoint choice) and a held-out part (eval/heldout-multiturn.jsonl); no frame is
# in two parts (assert_no_heldout_frames).

FOLLOW_WEATHER = {
    "train": ["and in {c}?", "what about {c}?", "how about {c}?", "and {c}?", "same for {c}", "and in {c} now?",
              "ok and {c}?", "what about in {c}?", "now {c}", "and for {c}?", "and what about {c}?",
              "how about in {c}?", "{c} too?", "and {c} please", "what about {c} then?", "and there in {c}?",
              "now check {c}", "and {c} today?", "{c}?", "same question, {c}", "do the same for {c}",
              "and what's it like in {c}?", "now {c} please", "also {c}"],
    "dev": ["and over in {c}?", "what's it like in {c} then?", "{c} as well?", "next, {c}"],
    "held": ["how about over in {c}?", "and the weather in {c}?", "same question for {c}", "now do {c}",
             "and {c}, how is it there?"],
}
# {n}: a number; the expression is "<previous result> <op> <n>" (double/half/triple: fixed n)
FOLLOW_CALC = {
    "train": {
        "+": ["and {n} more?", "plus {n}", "add {n} to that", "add {n}", "now add {n}", "and plus {n}?",
              "what if I add {n}?", "+ {n}", "that plus {n}?", "and {n} more", "add another {n}", "plus {n} please"],
        "-": ["minus {n}?", "take away {n}", "subtract {n} from that", "now minus {n}", "and minus {n}",
              "take {n} off", "that minus {n}?", "- {n}", "and {n} less?", "now subtract {n}"],
        "*": ["times {n}?", "multiply that by {n}", "and times {n}", "now times {n}", "that times {n}?", "* {n}",
              "multiply it by {n}", "and multiply by {n}"],
        "/": ["divide that by {n}", "divided by {n}?", "and divided by {n}", "now divide by {n}", "that over {n}?",
              "/ {n}", "split that {n} ways", "divide it by {n}"],
        "double": ["double that", "double it", "and doubled?", "now double it", "what's double that?", "twice that?"],
        "half": ["half of that?", "halve it", "and half of it?", "what's half of that?", "halve that"],
        "triple": ["triple that", "triple it", "three times that?"],
    },
    "dev": {"+": ["that + {n}?", "increase it by {n}"], "-": ["decrease it by {n}"], "*": ["that, times {n}?"],
            "/": ["that, divided by {n}?"], "double": ["double the result"], "half": ["half the result?"],
            "triple": ["the result times three"]},
    "held": {"+": ["and {n} on top?", "then add {n}"], "-": ["then subtract {n}", "and {n} fewer?"],
             "*": ["then multiply by {n}"], "/": ["then divide by {n}"], "double": ["and if we double it?"],
             "half": ["cut that in half"], "triple": ["and tripled?"]},
}
FIXED_OPERAND = {"double": ("*", 2), "half": ("/", 2), "triple": ("*", 3)}
# convert_units again with a new value ({v}, optionally {u1}: the source unit in words)
FOLLOW_CONV_VALUE = {
    "train": ["and {v}?", "what about {v}?", "and {v} {u1}?", "how about {v} {u1}?", "now {v}", "same for {v} {u1}",
              "and for {v} {u1}?", "what about {v} {u1}?", "ok and {v}?", "now do {v} {u1}", "and {v} {u1}"],
    "dev": ["now {v} {u1}", "{v} {u1} then?"],
    "held": ["and if it were {v} {u1}?", "same thing for {v}", "repeat that for {v} {u1}"],
}
# the same value again, in another unit ({u3})
FOLLOW_CONV_UNIT = {
    "train": ["and in {u3}?", "what about in {u3}?", "and in {u3} please", "now in {u3}", "how about {u3}?",
              "and {u3}?", "in {u3} too?", "what is it in {u3}?"],
    "dev": ["in {u3} instead?"],
    "held": ["and expressed in {u3}?", "same but in {u3}"],
}
# after a weather answer: the temperature in fahrenheit ({u}: a word for fahrenheit)
FOLLOW_TEMP = {
    "train": ["what's that in {u}?", "and in {u}?", "convert that to {u}", "how much is that in {u}?",
              "in {u} please", "that temperature in {u}?", "and the temperature in {u}?"],
    "dev": ["{u} please"],
    "held": ["what would that be in {u}?", "give me that in {u}"],
}
FOLLOW_LEADS = {
    "train": ["ok", "ok,", "great,", "cool,", "nice,", "thanks,", "thanks!", "perfect,", "hmm,", "alright,", "right,",
              "good,", "oh,", "wow,", "ok thanks,", "great, and", "nice. "],
    "dev": [], "held": [],
}
THANKS_MT = {"train": ["thanks for that", "ok thank you", "thanks, that's great", "great, thanks!", "thank you!",
                       "nice, thanks", "cool", "ok", "great", "perfect", "awesome", "thanks again"],
             "dev": ["thanks, that helps", "great, that's what I needed"],
             "held": ["got it, thank you", "that's all, thanks"]}
SYSTEM_PROMPTS_V8 = ["You are a chat assistant.", "You are a helpful assistant. Keep answers short.",
                     "You help users with math, units and weather.", "Reply in one sentence.",
                     "You are the assistant of a small demo app. Use the tools when they help."]
SYSTEM_PROMPTS_DEV = ["You are a precise assistant."]
SYSTEM_PROMPTS_HELD = ["You are a friendly assistant.", "Keep it short."]
FRAME_WORDS = _frame_words()
TURN_KINDS = ["first", "tool-switch", "same-tool", "follow-up", "social", "out-of-scope", "tool-after-chat"]


class ConvGen:
    """Multi-turn conversations: base is the single-turn generator (TrainGen for training, Gen(held=True) for the
    held-out set, DevGen for the dev set), part the follow-up frame list to use ("train", "dev" or "held"; held
    draws the held-out frames half of the time, like the single-turn held-out set)."""

    def __init__(self, base, part, mix=None, extra=None, v10=False, v11=False, v12=False, v13=False, v14=False,
                 v15=False, v16=False, v17=False):
        self.g, self.r, self.part = base, base.r, part
        # data v17 (training only): v16 plus a typo (a letter dropped, doubled, swapped with its neighbour or
        # replaced) drawn for 15% of the follow-up frames (~10% change: short words and banned results stay), so
        # a word the model knows still reads as that word when its spelling differs a little
        self.v17 = v17 and part == "train"
        # data v16 (training only): v15 plus two generic copy and contrast lessons, no new wording. A third of the
        # +/- follow-up numbers are 100-9,999 (v12's lever, without v12's other shares: the stage-7h model cut
        # "+ 540" to "+ 50" and "+ 342" to "+ 3"); and half the time a fixed-operand follow-up ("double that")
        # is followed by another of a different operation ("halve it"), so the word, not the previous turn's
        # operation, decides (7h answered "halve that" and "and half of it?" with "* 2")
        self.v16 = v16 and part == "train"
        # data v15 (training only): v14 plus out-of-scope requests after a calculation in 12% more of the turns
        # that follow one (v14's extra fixed-operand follow-ups taught the stage-7e run-i model to answer "summarize
        # the news" after a result with "<result> * 2")
        self.v15 = v15 and part == "train"
        # data v14 (training only): v13 plus "double that" / "halve it" / "triple that" after a conversion (a
        # calculation on its result: chat-cli users asked it and got the conversion again) and a larger share of
        # those fixed-operand follow-ups after calculations (the stage-7e model doubled "12 * 7" as "84 * 7")
        self.v14 = v14 and part == "train"
        # data v13 (training only): v11 with made-up words before or after 30% of the follow-ups, so an
        # unknown word ("then", "as well") is read as noise around a known request, not as a new request
        self.v13 = v13 and part == "train"
        # data v10 (training only): more follow-ups, social and out-of-scope turns after tool turns, OOS_V10
        self.v10 = (v10 or v11) and part == "train"
        # data v11 (training only): more same-tool turns, same-tool conversions whose units overlap the previous
        # conversion's in another order, bare expressions after a calculation, more unit follow-ups
        self.v11 = (v11 or v12) and part == "train"
        # data v12 (training only): v11 with follow-ups back to 38% and longer numbers in +/- follow-ups (the
        # stage-7c model cut "+ 540" to "+ 50" and "then subtract 369" to "- 3369")
        self.v12 = v12 and part == "train"
        # data v9: more training wordings, keyed by the id of the training list they extend (v9_extra()); only
        # the training part uses them, so the dev and held-out conversations do not depend on the data version
        self.extra = extra or {}
        self.mix = mix or {"calc": 0.3, "convert": 0.27, "weather": 0.3, "notool": 0.13}

    def pick(self, lists):
        if self.part == "held":
            if self.r.random() < 0.5:
                return self.r.choice(lists["held"]), True
            return self.r.choice(lists["train"]), False
        if self.part == "train":
            tpl = self.r.choice(lists["train"] + self.extra.get(id(lists["train"]), []))
            if self.v17 and self.r.random() < 0.15:
                tpl = frame_typo(tpl, self.r)
            return tpl, False
        return self.r.choice(lists[self.part]), self.part == "dev"

    def lead(self, q, trail=True):
        leads = FOLLOW_LEADS[self.part if self.part != "held" else "train"]
        if self.part == "train" and self.r.random() < 0.25:
            lead = self.r.choice(leads)
            q = lead + ("" if lead.endswith(" ") else " ") + q
        if self.v13 and self.r.random() < 0.3:
            words = " ".join(noise_word(self.r) for _ in range(self.r.randint(1, 2)))
            # after a city, made-up words would read as more of its name: before it only
            if self.r.random() < 0.6 or not trail:
                q = words + " " + q
            else:
                q = q.rstrip("?") + " " + words + ("?" if q.endswith("?") else "")
        if self.part == "train" and self.r.random() < 0.1:
            q = q[:1].upper() + q[1:]
        return q

    def tool_kind(self, exclude=None):
        kinds = ["calc", "convert", "weather"]
        w = [self.mix[k] for k in kinds]
        while True:
            k = self.r.choices(kinds, w)[0]
            if k != exclude:
                return k

    def social(self, oos=False):
        r = self.r
        if oos:
            if self.v10 and r.random() < 0.4:
                q = r.choice(OOS_V10)
                if r.random() < 0.2:
                    q = r.choice(LEADS) + " " + q
                return dict(q=q, tool=None, args=None, result=None, answer=ANSWER_OOS, includes=[], novel=False)
            while True:
                ex = self.g.notool()
                if ex["answer"] == ANSWER_OOS:
                    return ex
        if r.random() < 0.75:
            if self.part == "train":
                q, novel = r.choice(THANKS_TRAIN + THANKS_V2 + THANKS_MT["train"]
                                    + self.extra.get(id(THANKS_MT["train"]), [])), False
            elif self.part == "dev":
                q, novel = r.choice(THANKS_MT["dev"]), True
            elif r.random() < 0.5:
                q, novel = r.choice(THANKS_HELD + THANKS_MT["held"]), True
            else:
                q, novel = r.choice(THANKS_TRAIN), False
            return dict(q=q, tool=None, args=None, result=None, answer=ANSWER_THANKS, includes=[], novel=novel)
        if self.part == "train":
            q, novel = r.choice(GREET_TRAIN + GREET_V2), False
        elif self.part == "dev":
            q, novel = r.choice(["good to see you", "heya"]), True
        else:
            q, novel = self.g.pick_tpl(GREET_TRAIN, GREET_HELD)
        return dict(q=q, tool=None, args=None, result=None, answer=ANSWER_GREET, includes=[], novel=novel)

    def follow_up(self, prev, op=None):
        """A message that only makes sense after prev (None when prev allows no follow-up); op forces a
        calculation follow-up's operation."""
        r = self.r
        if prev["tool"] == "get_weather":
            temp = prev["result"].get("temperature_c")
            if temp is not None and r.random() < 0.3:
                tpl, novel = self.pick(FOLLOW_TEMP)
                u = r.choice(["fahrenheit", "degrees fahrenheit", "°F", "F", "degrees F"])
                args = {"value": temp, "from": "c", "to": "f"}
                res = run_tool("convert_units", args)
                return dict(q=self.lead(tpl.format(u=u)), tool="convert_units", args=args, result=res,
                            answer=f"{num_text(temp)} °C is {fmt_num(res['result'])} °F.",
                            includes=[fmt_num(res["result"])], novel=novel)
            for _ in range(20):
                ex = self.g.weather()
                if ex["args"]["city"] != prev["args"]["city"]:
                    break
            tpl, novel = self.pick(FOLLOW_WEATHER)
            return dict(ex, q=self.lead(tpl.format(c=ex["args"]["city"]), trail=False), novel=novel)
        if prev["tool"] == "calculator" and "result" in prev["result"]:
            R = prev["result"]["result"]
            if abs(R) > 1e7:
                return None
            if op is None and self.v14:
                op = r.choice(["+", "+", "-", "-", "-", "*", "*", "/", "/", "double", "double", "double", "half",
                               "half", "half", "triple", "triple", "triple"])
            elif op is None and self.v10:  # the operations the stage-7b model mixed up most get more turns
                op = r.choice(["+", "+", "-", "-", "-", "*", "*", "/", "/", "double", "half", "half", "triple", "triple"])
            elif op is None:
                op = r.choice(["+", "+", "-", "-", "*", "*", "/", "double", "half", "triple"])
            lists = {p: FOLLOW_CALC[p][op] for p in ("train", "dev", "held")}
            tpl, novel = self.pick(lists)
            if op in FIXED_OPERAND:
                sym, n = FIXED_OPERAND[op]
            else:
                sym = op
                n = r.randint(2, 12) if op in "*/" or r.random() < 0.4 else r.randint(2, 999)
                if (self.v12 or self.v16) and op in "+-" and r.random() < 0.35:
                    n = r.randint(100, 9999)
            expr = f"{fmt_num(R)} {sym} {n}"
            res = run_tool("calculator", {"expression": expr})
            if "error" in res:
                return None
            return dict(q=self.lead(tpl.format(n=n)), tool="calculator", args={"expression": expr}, result=res,
                        answer=f"{expr} = {fmt_num(res['result'])}.", includes=[fmt_num(res["result"])], novel=novel,
                        op=op)
        if prev["tool"] == "convert_units" and "result" in prev["result"]:
            if self.v14 and r.random() < 0.2:
                op = r.choice(["double", "half", "triple"])
                tpl, novel = self.pick({p: FOLLOW_CALC[p][op] for p in ("train", "dev", "held")})
                sym, n = FIXED_OPERAND[op]
                expr = f"{fmt_num(prev['result']['result'])} {sym} {n}"
                res = run_tool("calculator", {"expression": expr})
                if "error" not in res:
                    return dict(q=self.lead(tpl), tool="calculator", args={"expression": expr}, result=res,
                                answer=f"{expr} = {fmt_num(res['result'])}.", includes=[fmt_num(res["result"])],
                                novel=novel)
            v, u1, u2 = prev["args"]["value"], prev["args"]["from"], prev["args"]["to"]
            others = [u for u in UNITS if DIMENSION[u] == DIMENSION[u1] and u not in (u1, u2)]
            if others and r.random() < (0.55 if self.v11 else 0.4):
                u3 = r.choice(others)
                tpl, novel = self.pick(FOLLOW_CONV_UNIT)
                q = tpl.format(u3=r.choice(UNIT_WORDS[u3]))
                args = {"value": v, "from": u1, "to": u3}
            else:
                if DIMENSION[u1] == "temperature":
                    v2 = r.randint(-30, 120)
                else:
                    v2 = num_value(self.g.number())
                if v2 == v:
                    return None
                tpl, novel = self.pick(FOLLOW_CONV_VALUE)
                q = tpl.format(v=num_text(v2), u1=r.choice(UNIT_WORDS[u1]))
                args = {"value": v2, "from": u1, "to": u2}
            res = run_tool("convert_units", args)
            a, b = args["from"], args["to"]
            return dict(q=self.lead(q), tool="convert_units", args=args, result=res,
                        answer=f"{num_text(args['value'])} {UNIT_DISPLAY.get(a, a)} is {fmt_num(res['result'])} {UNIT_DISPLAY.get(b, b)}.",
                        includes=[fmt_num(res["result"])], novel=novel)
        return None

    def same_tool(self, prev):
        """Data v11: a new request for the tool prev used. The stage-7c model copied the previous conversion's
        unit order into a new one ("20 meter to mi" after a mi → m turn) and took the previous result as the first
        number of a new short expression ("5 * 8"), so half of the conversions reuse a unit of the previous one in
        another order or slot, and a fifth of the calculations are a bare expression."""
        r, kind = self.r, TOOL_KIND[prev["tool"]]
        if kind == "convert" and r.random() < 0.5:
            p1, p2 = prev["args"]["from"], prev["args"]["to"]
            for _ in range(200):
                ex = self.g.convert()
                a, b = ex["args"]["from"], ex["args"]["to"]
                if (a, b) != (p1, p2) and (a in (p1, p2) or b in (p1, p2)) and (a == p2 or b == p1 or r.random() < 0.3):
                    return ex
        if kind == "calc" and r.random() < 0.2:
            for _ in range(20):
                ex = self.g.calc()
                e = ex["args"]["expression"]
                if not e.startswith("-"):
                    return dict(ex, q=e if r.random() < 0.6 else e.replace(" ", ""), novel=False)
        return self.g.sample(kind)

    def next_turn(self, prev):
        r = self.r
        if self.v16 and prev.get("op") in FIXED_OPERAND and r.random() < 0.5:
            ex = self.follow_up(prev, op=r.choice([o for o in FIXED_OPERAND if o != prev["op"]]))
            if ex is not None:
                return dict(ex, kind="follow-up")
        if self.v15 and prev["tool"] == "calculator" and r.random() < 0.12:
            return dict(self.social(oos=True), kind="out-of-scope")
        if prev["tool"] is None:
            if r.random() < 0.75:
                return dict(self.g.sample(self.tool_kind()), kind="tool-after-chat")
            oos = r.random() < 0.4
            return dict(self.social(oos=oos), kind="out-of-scope" if oos else "social")
        x = r.random()
        if self.v11:  # follow-up 34%, same tool 18%, switch 20%, social 13%, out of scope 15%
            f = 0.38 if self.v12 else 0.34  # v12: follow-up 38%, same tool 16%, switch 18%
            if x < f:
                ex = self.follow_up(prev)
                if ex is not None:
                    return dict(ex, kind="follow-up")
                x = f + r.random() * (1 - f)
            if x < f + (0.16 if self.v12 else 0.18):
                return dict(self.same_tool(prev), kind="same-tool")
            if x < 0.72:
                return dict(self.g.sample(self.tool_kind(exclude=TOOL_KIND[prev["tool"]])), kind="tool-switch")
            if x < 0.85:
                return dict(self.social(), kind="social")
            return dict(self.social(oos=True), kind="out-of-scope")
        if self.v10:  # follow-up 38%, same tool 10%, switch 20%, social 16%, out of scope 16%
            x = x * 0.32 / 0.38 if x < 0.38 else 0.32 + (x - 0.38) * 0.13 / 0.10 if x < 0.48 else \
                0.45 + (x - 0.48) * 0.27 / 0.20 if x < 0.68 else 0.72 + (x - 0.68) * 0.16 / 0.16 if x < 0.84 else \
                0.88 + (x - 0.84) * 0.12 / 0.16
        if x < 0.32:
            ex = self.follow_up(prev)
            if ex is not None:
                return dict(ex, kind="follow-up")
            x = r.random()
        if x < 0.45:
            kind = TOOL_KIND[prev["tool"]]
            return dict(self.g.sample(kind), kind="same-tool")
        if x < 0.72:
            return dict(self.g.sample(self.tool_kind(exclude=TOOL_KIND[prev["tool"]])), kind="tool-switch")
        if x < 0.88:
            return dict(self.social(), kind="social")
        return dict(self.social(oos=True), kind="out-of-scope")

    def conversation(self, n_turns):
        r = self.r
        first = "notool" if r.random() < self.mix["notool"] else self.tool_kind()
        turns = [dict(self.g.sample(first), kind="first")]
        while len(turns) < n_turns:
            turns.append(self.next_turn(turns[-1]))
        return turns


def conversation_example(turns, text_history=False):
    """A training example made of several turns (train_tiny_tool_model.py treats it like a single one):
    text_history: earlier tool turns appear as the answer text only, as a chat page keeps them (no loss on them)."""
    return dict(q="\n".join(t["q"] for t in turns), tool="multi", turns=turns, text_history=text_history,
                kinds={TOOL_KIND.get(t["tool"], "notool") for t in turns})


def turn_segments(ex, rng, target=True, collapsed=False):
    if collapsed:  # as a chat page keeps a tool turn: the answer only, which the model did not write alone
        return [("<|im_start|>user\n" + ex["q"] + "<|im_end|>\n<|im_start|>assistant\n", False),
                (ex["answer"] + "<|im_end|>", False), ("\n", False)]
    return conversation_segments(ex, rng) if target else [(s, False) for s, _ in conversation_segments(ex, rng)]


def multi_segments(ex, rng):
    segs = []
    n = len(ex["turns"])
    for i, t in enumerate(ex["turns"]):
        collapsed = ex["text_history"] and i < n - 1 and t["tool"] is not None
        segs += turn_segments(t, rng, collapsed=collapsed)
    return segs


def multiturn_case(i, turns, system=None, history="full"):
    """One conversation of eval/heldout-multiturn.jsonl: every turn is scored, with the model's own earlier
    replies in the history (history "full": as the tool loop leaves them; "text": user and answer text only)."""
    out = {"id": f"conv-{i:03d}", "history": history, "turns": []}
    if system is not None:
        out["system"] = system
    for t in turns:
        c = heldout_case(0, t)
        out["turns"].append({"user": t["q"], "kind": t["kind"], "expected": c["expected"], "novelPhrasing": t["novel"]})
    return out


def multiturn_cases(n, seed, part, base, cg=None):
    """n conversations of 2-5 turns; 20% with a system prompt of the part, 25% with text-only history."""
    cg = cg or ConvGen(base, part)
    r = random.Random(seed + 1)
    systems = {"held": SYSTEM_PROMPTS_HELD, "dev": SYSTEM_PROMPTS_DEV, "train": SYSTEM_PROMPTS_V8}[part]
    cases = []
    for i in range(n):
        turns = cg.conversation(r.randint(2, 5))
        system = r.choice(systems) if r.random() < 0.2 else None
        cases.append(multiturn_case(i + 1, turns, system, "text" if r.random() < 0.25 else "full"))
    return cases


def heldout_multiturn_cases(n=160, seed=97531):
    return multiturn_cases(n, seed, "held", Gen(seed, held=True))


def dev_multiturn_cases(n=80, seed=8642):
    return multiturn_cases(n, seed, "dev", DevGen(seed))


def train_multiturn_cases(n, seed, version=17):
    """Conversations of the training distribution (data v17 by default, or `version` 13-17, as
    train_tiny_tool_model.py --data-version draws them, another seed): to find the model's own mistakes on
    wordings it was trained on (quick_eval.py --dpo-out), or how well it fits its own data."""
    assert 13 <= version <= 17, version
    base = TrainGen(seed, noise=True, names=True, v5=True, v6=True, unknown_city_frac=0.6,
                    mix={"calc": 0.22, "convert": 0.22, "weather": 0.4, "notool": 0.16})
    cg = ConvGen(base, "train", extra=v10_extra(), v10=True, v11=True, v13=True, v14=version >= 14,
                 v15=version >= 15, v16=version >= 16, v17=version >= 17)
    return multiturn_cases(n, seed, "train", base, cg)


def assert_no_heldout_multiturn():
    """No held-out or dev follow-up frame, thanks message or system prompt is in a training list."""
    def frames(d, part):
        out = []
        for v in d[part] if isinstance(d[part], list) else [f for fs in d[part].values() for f in fs]:
            out.append(v)
        return out
    train, other = [], []
    for d in (FOLLOW_WEATHER, FOLLOW_CALC, FOLLOW_CONV_VALUE, FOLLOW_CONV_UNIT, FOLLOW_TEMP, THANKS_MT):
        train += frames(d, "train")
        other += frames(d, "dev") + frames(d, "held")
    train += SYSTEM_PROMPTS_V8 + SYSTEM_PROMPTS_V7 + LEADS + THANKS_TRAIN + THANKS_V2 + GREET_TRAIN + GREET_V2
    other += SYSTEM_PROMPTS_DEV + SYSTEM_PROMPTS_HELD + THANKS_HELD + GREET_HELD + NOTOOL_DEV
    norm = {s.lower().strip(" ?!.,") for s in other}
    clash = [s for s in train if s.lower().strip(" ?!.,") in norm]
    assert not clash, f"held-out or dev multi-turn frames in training lists: {clash}"


# v9: more training-only wordings of follow-ups and thanks. The v8 model (dev set, step 1250) read a
# follow-up in words it had not seen as a new request or as out of scope ("next, Dubai", "the result
# times three"), mixed up words for + and - it had not seen, and answered an unseen thanks with a
# tool call. More ways of saying the same things, none of them a dev or held-out frame (checked by
# assert_no_heldout_multiturn; "then ..." openings, "on top", "fewer", "in half" and "tripled",
# which held-out frames use, are left out).
FOLLOW_V9 = {
    "weather": ["try {c}", "let's try {c}", "how's {c}?", "how is {c}?", "and how's {c}?", "check {c} too",
                "also check {c}", "and in {c} please",
                "now for {c}", "what about {c} now?", "{c} please", "ok, {c}?", "and {c}, please", "one more: {c}",
                "and for {c} too"],
    "+": ["raise it by {n}", "plus another {n}", "add {n} more", "what's that plus {n}?",
          "now plus {n}", "make it {n} more", "the answer plus {n}", "up it by {n}",
          ],
    "-": ["lower it by {n}", "reduce that by {n}", "take off {n}", "what's that minus {n}?", "minus another {n}", "make it {n} less", "the answer minus {n}", "knock off {n}", ],
    "*": ["what's that times {n}?", "the answer times {n}", "and x {n}?", "that x {n}",
          "times {n} please"],
    "/": ["what's that divided by {n}?", "the answer divided by {n}", "and over {n}?",
          "share that between {n}"],
    "double": ["twice as much?", "multiply that by two", "times two?", "what's two times that?"],
    "half": ["half of it", "divide that by two", "what is half of it?"],
    "triple": ["times three?", "multiply that by three", "three times as much?"],
    "value": ["and what about {v} {u1}?", "how about {v}?", "and {v} {u1} please", "now for {v} {u1}",
              "try {v} {u1}", "what about {v} then?", "and for {v}?", "convert {v} too", ],
    "unit": ["and into {u3}?", "now convert it to {u3}", "what about {u3}?", "{u3}?", "convert it to {u3} too", "and what's that in {u3}?"],
    "temp": ["convert it to {u}", "in {u}?", "how many {u} is that?", "and how much in {u}?"],
    "thanks": ["thanks, great", "great, thank you", "that's great", "wonderful, thanks", "super, thanks", "ok cool",
               "good to know", "alright, thanks", "nice one", "brilliant", "excellent, thank you", "noted, thanks", "sounds good", "lovely, thanks", "ok great", "thank you very much", "fantastic"],
}


def v9_extra():
    """Data v9: FOLLOW_V9 as additions to the training parts of the follow-up and thanks lists, for
    ConvGen(extra=...)."""
    extra = {id(FOLLOW_WEATHER["train"]): FOLLOW_V9["weather"], id(FOLLOW_CONV_VALUE["train"]): FOLLOW_V9["value"],
             id(FOLLOW_CONV_UNIT["train"]): FOLLOW_V9["unit"], id(FOLLOW_TEMP["train"]): FOLLOW_V9["temp"],
             id(THANKS_MT["train"]): FOLLOW_V9["thanks"]}
    for op in ("+", "-", "*", "/", "double", "half", "triple"):
        extra[id(FOLLOW_CALC["train"][op])] = FOLLOW_V9[op]
    return extra


def assert_no_heldout_v9():
    """No dev or held-out multi-turn entry is among the v9 additions."""
    other = [f for d in (FOLLOW_WEATHER, FOLLOW_CONV_VALUE, FOLLOW_CONV_UNIT, FOLLOW_TEMP, THANKS_MT)
             for f in d["dev"] + d["held"]]
    other += [f for p in ("dev", "held") for fs in FOLLOW_CALC[p].values() for f in fs]
    other += THANKS_HELD + NOTOOL_DEV
    norm = {x.lower().strip(" ?!.,") for x in other}
    clash = [f for fs in FOLLOW_V9.values() for f in fs if f.lower().strip(" ?!.,") in norm]
    assert not clash, f"held-out or dev multi-turn frames in FOLLOW_V9: {clash}"


# v10: the stage-7b model (0.916 of the held-out turns) still read follow-ups in unseen words as another
# operation (a minus wording as plus, a triple wording as double or half), sent a follow-up calculation for an
# unseen out-of-scope message or thanks right after a calculator turn, and kept the wrong unit pair in conversion
# follow-ups. v10 adds many more training-only wordings of every follow-up operation (with and without the
# number), more out-of-scope requests and thanks, and, in training conversations only (ConvGen(v10=True)), more
# follow-ups (calculator ones weighted to minus, divide, half and triple), more social and out-of-scope turns
# after tool turns. The v9 exclusions still hold: no "then ..." openings, "on top", "fewer", "in half",
# "tripled"; also no "increase"/"decrease" (dev wordings), "that's all", "thx", "summarize", "give me a",
# "what's a good" (held-out ones); assert_no_heldout_v10 checks exact clashes with dev and held-out entries.
FOLLOW_V10 = {
    "weather": ["what's the weather in {c} then?", "how about the weather in {c}?", "now the weather for {c}",
                "can you check {c} too?", "what about the weather in {c}?",
                "and {c} now?", "one more city: {c}", "ok now {c}"],
    "+": ["and add {n}?", "add {n} please", "add {n} to it", "and plus {n}", "what if we add {n}?",
          "{n} more", "{n} more?", "put {n} more on it", "sum that with {n}", "now add {n} to it",
          "and add another {n}", "can you add {n}?", "plus {n}?", "with {n} more?",
          "and what if I added {n}?", "go up by {n}", "bump it up by {n}", "and + {n}?",
          "add on {n}", "what's {n} more than that?", "{n} extra?", "it plus {n}"],
    "-": ["and subtract {n}", "subtract {n}", "subtract {n} please", "now subtract {n} from it", "subtract {n} from it",
          "and subtract {n}?", "can you subtract {n}?", "what if I subtract {n}?", "what if we subtract {n}?",
          "deduct {n}", "and deduct {n}?", "remove {n}", "take {n} away", "and take away {n}?", "{n} less",
          "{n} less?", "drop it by {n}", "go down by {n}", "minus {n} please", "and minus {n}?", "that - {n}",
          "and - {n}?", "less {n}?", "take {n} from it", "what's {n} less than that?", "it minus {n}", "now take away {n}", "and take off {n}?", "without {n}?"],
    "*": ["multiply by {n}", "and multiply it by {n}", "multiply it by {n} please", "what if I multiply by {n}?",
          "now multiply by {n}", "times {n}", "and times {n}?", "that * {n}", "and * {n}?", "x {n}",
          "{n} times that?", "{n} times as much?", "what's {n} times that?",
          "it times {n}", "can you multiply it by {n}?"],
    "/": ["divide by {n}", "and divide it by {n}", "divide it by {n} please", "what if I divide by {n}?",
          "now divide it by {n}", "divided by {n}", "and divided by {n}?", "that / {n}", "and / {n}?",
          "split it {n} ways", "split that into {n}", "it divided by {n}",
          "can you divide it by {n}?", "over {n}?", "share it between {n} people"],
    "double": ["double", "double it please", "and double it?", "doubled?", "can you double it?",
               "make it double", "and times 2?", "multiply it by 2", "twice as much",
               "what's twice that?", "2 times that?", "now double that", "times 2"],
    "half": ["halve", "halve it please", "and halve it?", "halved?", "and halved?", "can you halve it?",
             "what is half of that?", "divide it by 2",
             "and divided by 2?", "half as much?", "now halve it", "half that", "over 2?", "split it in two"],
    "triple": ["triple", "triple it please", "and triple it?", "can you triple it?", "make it triple", "and times 3?", "multiply it by 3", "three times as much",
               "3 times that?", "now triple that", "times 3", "what's three times that?", "and triple that?",
               "thrice that?"],
    "value": ["what about {v} instead?",
              "and {v} instead?", "ok, {v} {u1}?", "do {v} {u1} as well",
              "and now {v}?", "what is {v} {u1}?", "convert {v} {u1} too"],
    "unit": ["and in {u3} then?", "and to {u3}?", "what about to {u3}?", "make that {u3}", "can you do it in {u3}?",
             "in {u3} please", "now {u3}", "convert that to {u3}", "show it in {u3}", "how many {u3} is that?",
             "and how much in {u3}?"],
    "temp": ["and in {u} then?", "convert that into {u}", "show that in {u}",
             "how much in {u}?"],
    "thanks": ["thanks!", "ty!", "tysm", "thanks a ton", "thank you kindly", "ok ty", "nice, ty",
               "great stuff, thanks", "cheers!", "ok, cheers", "that helps, thanks", "thanks, bye", "bye, thanks",
               "ok bye", "perfect, thank you", "got it", "got it, thanks", "understood", "ok, thanks!", "thanks mate",
               "many thanks!", "cool cool", "that's perfect", "appreciated", "thank you, bye", "nice", "okay",
               "ok, got it", "all good, thanks", "nothing else, thank you", "I'm done, thanks", "great, bye"],
}
# out-of-scope requests (answered ANSWER_OOS), training only: books, riddles and news of other kinds are
# fine, the held-out wordings themselves are not (asserted)
OOS_V10 = [
    "recommend a book", "can you recommend a novel?", "suggest a film for tonight", "any tips for sleeping better?",
    "what happened in the world today?",
    "read me a poem", "write a short story", "can you sing?", "what's the best pizza topping?", "help me plan a trip",
    "how do I tie a tie?", "what are the rules of chess?", "who won the game last night?", "what's on TV?",
    "any good podcasts?", "how do I bake bread?", "what's the tallest building?", "who was the first president?",
    "what is the speed of light?", "how many planets are there?", "what's the capital of Japan?",
    "explain how a car engine works", "how do I lose weight?", "what's a synonym for happy?",
    "spell necessary", "what does ephemeral mean?", "play a game with me", "write a tweet for me",
    "can you write my essay?", "book me a table", "what should I name my dog?", "who is the richest person?",
    "what year is it?", "how far is the moon?", "is coffee healthy?", "teach me French", "do you have feelings?",
    "what do you think of me?", "make a shopping list", "what's your favorite book?",
    "tell me a secret", "let's talk about movies", "can you code in Python?",
    "how do I change a tire?", "a joke please",
]


def v10_extra():
    """Data v10: FOLLOW_V9 and FOLLOW_V10 as additions to the training parts of the follow-up and thanks lists."""
    extra = v9_extra()
    lists = {"weather": FOLLOW_WEATHER["train"], "value": FOLLOW_CONV_VALUE["train"], "unit": FOLLOW_CONV_UNIT["train"],
             "temp": FOLLOW_TEMP["train"], "thanks": THANKS_MT["train"]}
    lists.update({op: FOLLOW_CALC["train"][op] for op in ("+", "-", "*", "/", "double", "half", "triple")})
    for k, lst in lists.items():
        old = extra.get(id(lst), [])
        extra[id(lst)] = old + [f for f in FOLLOW_V10[k] if f not in old and f not in lst]
    return extra


def assert_no_heldout_v10():
    """No dev or held-out entry (follow-ups, thanks, greetings, out of scope, dev no-tool messages) is among the
    v10 additions."""
    other = [f for d in (FOLLOW_WEATHER, FOLLOW_CONV_VALUE, FOLLOW_CONV_UNIT, FOLLOW_TEMP, THANKS_MT)
             for f in d["dev"] + d["held"]]
    other += [f for p in ("dev", "held") for fs in FOLLOW_CALC[p].values() for f in fs]
    other += THANKS_HELD + GREET_HELD + OOS_HELD + NOTOOL_DEV + ["good to see you", "heya"]
    norm = {x.lower().strip(" ?!.,") for x in other}
    new = [f for fs in FOLLOW_V10.values() for f in fs] + OOS_V10
    clash = [f for f in new if f.lower().strip(" ?!.,") in norm]
    assert not clash, f"held-out or dev frames in FOLLOW_V10/OOS_V10: {clash}"
    banned = ["then ", "on top", "fewer", "in half", "tripled", "increase", "decrease", "that's all", "thx",
              "summarize", "give me a", "what's a good"]
    close = [f for f in new if any(b in f.lower() for b in banned)]
    assert not close, f"wordings close to held-out or dev ones in FOLLOW_V10/OOS_V10: {close}"


UNSEEN_FRAME_WORDS = _unseen_frame_words()
