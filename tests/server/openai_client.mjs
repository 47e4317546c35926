// The official `openai` client library against `ibllm-cli serve`: what a script or an editor
// plugin does. Run by run_openai_client.sh, which starts the server and passes:
//   node openai_client.mjs BASE_URL API_KEY IMAGE WAV PLY EXPECTED_ANSWER_FILE
// Exits non-zero with a message on the first check that fails.
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const [baseURL, apiKey, imagePath, wavPath, plyPath, expectedPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const b64 = (path) => readFileSync(path).toString('base64');
const expected = readFileSync(expectedPath, 'utf8').replace(/\n$/, '');
const question = 'What is in the picture?';
const imagePart = { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${b64(imagePath)}` } };
const ask = (content, extra = {}) => ({
  model: 'fixture',
  messages: [{ role: 'user', content }],
  max_tokens: 12,
  seed: 5,
  ...extra,
});

// The model list.
const models = await client.models.list();
assert.deepEqual(models.data.map((m) => m.id), ['fixture']);

// A streamed answer about an image equals `ibllm-cli ask` with the same seed.
const stream = await client.chat.completions.create(
  ask([{ type: 'text', text: question }, imagePart], { stream: true, stream_options: { include_usage: true } }));
let streamed = '';
let finish = null;
let usage = null;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    streamed += choice.delta?.content ?? '';
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
assert.equal(streamed, expected, 'streamed answer differs from ibllm-cli ask');
assert.equal(finish, 'length');
assert.equal(usage.completion_tokens, 12);

// The same, whole.
const whole = await client.chat.completions.create(ask([{ type: 'text', text: question }, imagePart]));
assert.equal(whole.choices[0].message.content, expected);
assert.equal(whole.object, 'chat.completion');

// An audio part and a point cloud as a file part.
const heard = await client.chat.completions.create(
  ask([{ type: 'text', text: 'What sound?' }, { type: 'input_audio', input_audio: { data: b64(wavPath), format: 'wav' } }]));
assert.equal(heard.usage.completion_tokens, 12);
const seen3d = await client.chat.completions.create(
  ask([{ type: 'text', text: 'What shape?' }, { type: 'file', file: { filename: 'plane.ply', file_data: b64(plyPath) } }]));
assert.equal(seen3d.usage.completion_tokens, 12);

// Embeddings: the client asks for base64 and decodes it; text and an image part.
const emb = await client.embeddings.create({ model: 'fixture', input: ['a dog', 'a bird'] });
assert.equal(emb.data.length, 2);
for (const d of emb.data) {
  const norm = Math.sqrt(d.embedding.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-4, `embedding norm ${norm}`);
}
const embImage = await client.embeddings.create({ model: 'fixture', input: [imagePart], encoding_format: 'float' });
assert.equal(embImage.data[0].embedding.length, emb.data[0].embedding.length);

// A server error reaches the caller as the client's typed error.
await assert.rejects(client.chat.completions.create({ ...ask('hi'), model: 'gpt-4o' }),
  (e) => e instanceof OpenAI.NotFoundError && /not served here/.test(e.message));

// A wrong key is refused.
const intruder = new OpenAI({ baseURL, apiKey: 'wrong-key', maxRetries: 0 });
await assert.rejects(intruder.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);

const version = JSON.parse(readFileSync(new URL('./node_modules/openai/package.json', import.meta.url), 'utf8')).version;
console.log(`openai ${version}: streamed and whole image answers equal ask ("${expected}"); audio, point cloud, embeddings, 404 and 401 as expected`);
