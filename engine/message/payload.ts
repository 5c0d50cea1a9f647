import type { Document, Element } from '@xmldom/xmldom';
import type { Readable } from 'node:stream';
import { MediationError, PayloadError } from '../errors.js';
import { childElements, directText, parseXml, serializeXml, type XmlLimits, DEFAULT_XML_LIMITS } from '../xml/dom.js';
import { bodyOf, envelopeAround, firstBodyChild, isEnvelope, newEnvelope, PAYLOAD_NS } from '../xml/soap.js';
import { formatOf, sniffFormat, type PayloadFormat } from './content-type.js';
import { JsonBody } from './json-body.js';
import { jsonKey, jsonToXml, xmlName, xmlToJson, xmlToJsonText } from './json-xml.js';

export interface PayloadLimits extends XmlLimits {
  /** Deepest nesting of arrays and objects accepted in a JSON payload. */
  readonly maxJsonDepth: number;
  /**
   * Values (object members and array items, at any depth) of a JSON payload. Each becomes an element when
   * XPath reads the payload, so the bound matches the XML one: a JSON body may not build a bigger infoset.
   */
  readonly maxJsonValues: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = { ...DEFAULT_XML_LIMITS, maxJsonDepth: 128, maxJsonValues: DEFAULT_XML_LIMITS.maxElements };

/**
 * Which representation is authoritative. A payload starts as raw bytes and is parsed only when a mediator or
 * an expression asks for it; from then on JSON payloads stay JSON (XPath sees a derived infoset) until a
 * mediator edits the XML, at which point the envelope becomes the truth, as in Synapse.
 */
type State =
  | { readonly kind: 'raw'; readonly bytes: Buffer }
  | { readonly kind: 'stream'; readonly stream: Readable | null; readonly length: number | undefined }
  | { readonly kind: 'json'; readonly body: JsonBody }
  | { readonly kind: 'xml'; readonly envelope: Document; readonly soap: boolean }
  | { readonly kind: 'text'; readonly text: string };

const EMPTY = Buffer.alloc(0);
const EMPTY_JSON = JsonBody.ofValue(undefined);

export class Payload {
  private state: State;
  /** Derived views of the authoritative state, dropped whenever it changes. */
  private infoset: Document | undefined;
  private jsonView: { value: unknown } | undefined;

  constructor(
    bytes: Buffer = EMPTY,
    /** The content type the bytes arrived with. */
    readonly contentType: string | null = null,
    private readonly limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
  ) {
    this.state = { kind: 'raw', bytes };
  }

  /**
   * A payload that is never buffered: the gateway passes a body straight through when no mediator can read it
   * (an API without in- and out-flows). Reading it is an error: that would be a bug in that decision.
   */
  static stream(stream: Readable | null, contentType: string | null, length: number | undefined): Payload {
    const payload = new Payload(EMPTY, contentType);
    payload.state = { kind: 'stream', stream, length };
    return payload;
  }

  /** The unread stream and its length, for a streamed payload. */
  get streamed(): { readonly stream: Readable | null; readonly length: number | undefined } | undefined {
    return this.state.kind === 'stream' ? this.state : undefined;
  }

  /** True until something parsed or replaced the payload: then it can be forwarded byte for byte. */
  get isRaw(): boolean {
    return this.state.kind === 'raw' || this.state.kind === 'stream';
  }

  get rawBytes(): Buffer | undefined {
    return this.state.kind === 'raw' ? this.state.bytes : undefined;
  }

  get isEmpty(): boolean {
    const s = this.state;
    if (s.kind === 'raw') return s.bytes.length === 0;
    if (s.kind === 'stream') return s.stream === null || s.length === 0;
    if (s.kind === 'xml') return firstBodyChild(s.envelope) === null;
    if (s.kind === 'text') return s.text === '';
    return s.body.isEmpty;
  }

  /** The format the payload is held in once built: `json` for JSON payloads, otherwise XML-based. */
  get format(): PayloadFormat | 'empty' {
    this.build();
    const s = this.state;
    if (s.kind === 'json') return s.body.isEmpty ? 'empty' : 'json';
    if (s.kind === 'text') return 'text';
    if (s.kind === 'xml') return firstBodyChild(s.envelope) ? (s.soap ? 'soap11' : 'xml') : 'empty';
    return 'empty';
  }

  /** The payload as JSON, for json-eval and scripts: JSON payloads as they are, XML ones converted. */
  json(): unknown {
    this.build();
    const s = this.state;
    if (s.kind === 'json') return s.body.value;
    if (!this.jsonView) {
      const first = firstBodyChild(this.envelope());
      this.jsonView = { value: first ? xmlToJson(first) : undefined };
    }
    return this.jsonView.value;
  }

  /** The SOAP envelope as XPath sees it. Do not modify it: use mutableEnvelope() for that. */
  envelope(): Document {
    this.build();
    const s = this.state;
    if (s.kind === 'xml') return s.envelope;
    if (!this.infoset) {
      if (s.kind === 'json') {
        const doc = newEnvelope();
        const value = s.body.value;
        if (value !== undefined) bodyOf(doc).appendChild(jsonToXml(value, doc));
        this.infoset = doc;
      } else if (s.kind === 'text') {
        const doc = newEnvelope();
        const wrapper = doc.createElementNS(PAYLOAD_NS, 'text');
        wrapper.appendChild(doc.createTextNode((s as { text: string }).text));
        bodyOf(doc).appendChild(wrapper);
        this.infoset = doc;
      } else this.infoset = newEnvelope();
    }
    return this.infoset;
  }

  /** The envelope, made the authoritative form so that changes to it are what gets sent. */
  mutableEnvelope(): Document {
    const doc = this.envelope();
    if (this.state.kind !== 'xml') this.replace({ kind: 'xml', envelope: doc, soap: false });
    return doc;
  }

  setJson(value: unknown): void {
    this.replace({ kind: 'json', body: JsonBody.ofValue(value) });
  }

  /**
   * JSON text a mediator produced, kept as the payload's serialised form and parsed only if something reads
   * the value. Throws JSON.parse's SyntaxError when the text is not JSON.
   */
  setJsonText(text: string): void {
    this.replace({ kind: 'json', body: JsonBody.produced(text) });
  }

  setText(text: string): void {
    this.replace({ kind: 'text', text });
  }

  /** Replaces the body with `element` (or empties it); a SOAP Envelope replaces the whole envelope. */
  setXml(element: Element | null): void {
    if (element && isEnvelope(element)) {
      const doc = envelopeAround(null);
      doc.replaceChild(doc.importNode(element, true), doc.documentElement!);
      this.replace({ kind: 'xml', envelope: doc, soap: true });
      return;
    }
    const soap = this.state.kind === 'xml' && this.state.soap;
    const doc = this.state.kind === 'xml' ? this.state.envelope : newEnvelope();
    const body = bodyOf(doc);
    while (body.firstChild) body.removeChild(body.firstChild);
    if (element) body.appendChild(doc.importNode(element, true));
    this.replace({ kind: 'xml', envelope: doc, soap });
  }

  clear(): void {
    this.replace({ kind: 'raw', bytes: EMPTY });
  }

  /** The text of a `text/plain` payload (or the text content of the first body element). */
  text(): string {
    this.build();
    const s = this.state;
    if (s.kind === 'text') return s.text;
    if (s.kind === 'json') return s.body.compactText();
    const first = firstBodyChild(this.envelope());
    return first ? (first.textContent ?? '') : '';
  }

  /**
   * The JSON body as it stands, for `json-eval($)`: Synapse reads its JSON stream whole, unparsed
   * (SynapseJsonPath's whole-body case), so a JSON body that came in is its text as it came, not even parsed;
   * JSON a mediator wrote is that text; other payloads are converted to JSON. '' when empty.
   */
  jsonText(): string {
    const s = this.state;
    if (s.kind === 'raw' && s.bytes.length > 0) {
      const text = s.bytes.toString('utf8');
      if (this.rawFormat(text) === 'json') return text;
    }
    this.build();
    if (this.state.kind === 'json') return this.state.body.text();
    const value = this.json();
    return value === undefined ? '' : JSON.stringify(value);
  }

  /**
   * The bytes to send for `messageType` (axis2), as Synapse's formatters produce them: JSON, POX (the first body
   * element), a SOAP envelope, form fields from the first body element's children, or text. A payload nobody
   * parsed is sent as it came when the format does not change.
   */
  serialize(messageType: string | null): string | Buffer {
    const target = formatOf(messageType) ?? formatOf(this.contentType);
    const s = this.state;
    if (s.kind === 'stream') throw new MediationError('a streamed payload is written by piping it, not serialised');
    if (s.kind === 'raw' && (target === undefined || target === formatOf(this.contentType) || s.bytes.length === 0)) {
      return s.bytes;
    }
    this.build();
    // Without any content type the payload leaves in the form it was read in, as it would have unparsed.
    switch (target ?? this.heldFormat()) {
      case 'json':
        return this.serializeJson();
      case 'form':
        return this.serializeForm();
      case 'text':
        return this.text();
      case 'soap11':
      case 'soap12': {
        if (this.isEmpty && this.state.kind !== 'xml') return '';
        const doc = this.envelope();
        const soapMessage = this.state.kind === 'xml' && this.state.soap;
        if (soapMessage) return serializeXml(doc);
        const first = firstBodyChild(doc);
        return first ? serializeXml(first) : '';
      }
      default: {
        if (this.state.kind === 'json' && this.state.body.isEmpty) return '';
        const first = firstBodyChild(this.envelope());
        return first ? serializeXml(first) : '';
      }
    }
  }

  private heldFormat(): PayloadFormat {
    const s = this.state;
    if (s.kind === 'json') return 'json';
    if (s.kind === 'text') return 'text';
    return s.kind === 'xml' && s.soap ? 'soap11' : 'xml';
  }

  private serializeJson(): string | Buffer {
    const s = this.state;
    if (s.kind === 'json') return s.body.serialized();
    if (s.kind === 'text') return s.text;
    const first = firstBodyChild(this.envelope());
    return first ? xmlToJsonText(first) : '';
  }

  private serializeForm(): string {
    const first = firstBodyChild(this.envelope());
    if (!first) return '';
    const params = new URLSearchParams();
    for (const child of childElements(first)) params.append(jsonKey(child.localName!), directText(child));
    return params.toString();
  }

  private replace(state: State): void {
    this.state = state;
    this.infoset = undefined;
    this.jsonView = undefined;
  }

  /** The format of raw bytes: the content type's, else what the text looks like. */
  private rawFormat(text: string): PayloadFormat | undefined {
    return formatOf(this.contentType) ?? sniffFormat(text);
  }

  /** Parses raw bytes according to the content type they came with. */
  private build(): void {
    const s = this.state;
    if (s.kind === 'stream') throw new MediationError('the payload is being streamed through unread and cannot be read by a mediator');
    if (s.kind !== 'raw') return;
    if (s.bytes.length === 0) {
      this.state = { kind: 'json', body: EMPTY_JSON };
      return;
    }
    const text = s.bytes.toString('utf8');
    switch (this.rawFormat(text)) {
      case 'json':
        this.state = { kind: 'json', body: JsonBody.received(s.bytes, text, this.limits.maxJsonDepth, this.limits.maxJsonValues) };
        return;
      case 'xml':
      case 'soap11':
      case 'soap12': {
        const doc = parseXml(text, this.limits);
        if (isEnvelope(doc.documentElement)) this.state = { kind: 'xml', envelope: doc, soap: true };
        else this.state = { kind: 'xml', envelope: envelopeAround(doc.documentElement), soap: false };
        return;
      }
      case 'form':
        this.state = { kind: 'xml', envelope: formEnvelope(text, this.limits.maxElements), soap: false };
        return;
      case 'text':
        this.state = { kind: 'text', text };
        return;
      default: {
        const doc = newEnvelope();
        const binary = doc.createElementNS(PAYLOAD_NS, 'ns:binary');
        binary.appendChild(doc.createTextNode(s.bytes.toString('base64')));
        bodyOf(doc).appendChild(binary);
        this.state = { kind: 'xml', envelope: doc, soap: false };
      }
    }
  }
}

/** Form fields as Axis2 builds them: `<xformValues>` with one child per field. */
function formEnvelope(text: string, maxFields: number): Document {
  const doc = newEnvelope();
  const root = doc.createElement('xformValues');
  const fields = new URLSearchParams(text);
  // Each field is an element: `a&a&a...` would otherwise build millions of them from a body within the size limit.
  if (fields.size > maxFields) throw new PayloadError(`form payload has more than ${maxFields} fields`);
  for (const [name, value] of fields) {
    const field = doc.createElement(xmlName(name));
    field.appendChild(doc.createTextNode(value));
    root.appendChild(field);
  }
  bodyOf(doc).appendChild(root);
  return doc;
}
