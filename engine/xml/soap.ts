import type { Document, Element, Node } from '@xmldom/xmldom';
import { firstChildElement, newDocument } from './dom.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** Namespace of the wrappers Axis2 uses for text and binary payloads. */
export const PAYLOAD_NS = 'http://ws.apache.org/commons/ns/payload';

export function isEnvelope(el: Element | null): boolean {
  return !!el && el.localName === 'Envelope' && (el.namespaceURI === SOAP11_NS || el.namespaceURI === SOAP12_NS);
}

/** An empty SOAP envelope, the shape every message has in Synapse whatever its wire format. */
export function newEnvelope(soapNs: string = SOAP11_NS): Document {
  const doc = newDocument();
  const env = doc.createElementNS(soapNs, 'soapenv:Envelope');
  env.appendChild(doc.createElementNS(soapNs, 'soapenv:Body'));
  doc.appendChild(env);
  return doc;
}

/** Puts an element (from any document) as the only child of a new envelope's body. */
export function envelopeAround(content: Node | null): Document {
  const doc = newEnvelope();
  if (content) bodyOf(doc).appendChild(doc.importNode(content, true));
  return doc;
}

export function bodyOf(envelope: Document): Element {
  const env = envelope.documentElement!;
  for (let n = env.firstChild; n; n = n.nextSibling) {
    if ((n as Element).localName === 'Body' && (n as Element).namespaceURI === env.namespaceURI) return n as Element;
  }
  const body = envelope.createElementNS(env.namespaceURI, `${env.prefix ? env.prefix + ':' : ''}Body`);
  env.appendChild(body);
  return body;
}

export function headerOf(envelope: Document, create: boolean): Element | null {
  const env = envelope.documentElement!;
  for (let n = env.firstChild; n; n = n.nextSibling) {
    if ((n as Element).localName === 'Header' && (n as Element).namespaceURI === env.namespaceURI) return n as Element;
  }
  if (!create) return null;
  const header = envelope.createElementNS(env.namespaceURI, `${env.prefix ? env.prefix + ':' : ''}Header`);
  env.insertBefore(header, bodyOf(envelope));
  return header;
}

export function firstBodyChild(envelope: Document): Element | null {
  return firstChildElement(bodyOf(envelope));
}
