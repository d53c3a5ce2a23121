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
