import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../../engine/config/diagnostics.js';
import { ConfigLoader } from '../../../engine/loader/loader.js';
import { builtinMediators } from '../../../mediators/index.js';
import { diagnose, run, seq } from '../../support/sequences.js';

const JSON_FAULT = join(import.meta.dirname, '../../../../shared/corpus/apim-custom-sequences/fault/json_fault.xml');

describe('class: API Manager analytics hooks are no-ops (reference §2.16, docs/compatibility.md)', () => {
  test.each([
    'org.wso2.carbon.apimgt.usage.publisher.APIMgtFaultHandler',
    'org.wso2.carbon.apimgt.usage.publisher.APIMgtResponseHandler',
    'org.wso2.carbon.apimgt.gateway.handlers.analytics.APIMgtFaultHandler',
    'org.wso2.carbon.apimgt.gateway.handlers.analytics.APIMgtResponseHandler',
    'org.wso2.carbon.apimgt.gateway.handlers.analytics.APIMgtUsageHandler',
    'org.wso2.carbon.apimgt.gateway.handlers.analytics.APIMgtThrottleUsageHandler',
    'org.wso2.carbon.apimgt.gateway.handlers.analytics.APIMgtGoogleAnalyticsTrackingHandler',
  ])('%s loads and lets the message through unchanged', async (name) => {
    const body = '{"a":1}';
    const { mc, result } = await run(seq(`<class name="${name}"><property name="configKey" value="gov:/x"/></class><property name="after" value="1"/>`), {
      body,
      contentType: 'application/json',
    });
    expect(result).toBe(true);
    expect(mc.properties.get('after')).toBe('1');
    expect(mc.payload.isRaw).toBe(true);
    expect(String(mc.payload.serialize('application/json'))).toBe(body);
  });

  test('any other class is refused at its name attribute', () => {
    expect(diagnose(seq('\n  <class name="com.example.DiscountMediator"/>'))).toEqual([
      'test.xml:2:10: unsupported class mediator "com.example.DiscountMediator": write a Mediate mediator plug-in instead',
    ]);
  });

  test('class names are matched exactly: another package with the same class name is refused', () => {
    expect(diagnose(seq('\n  <class name="com.example.APIMgtFaultHandler"/>'))).toEqual([
      'test.xml:2:10: unsupported class mediator "com.example.APIMgtFaultHandler": write a Mediate mediator plug-in instead',
    ]);
  });

  test('a class without a name is refused', () => {
    expect(diagnose(seq('\n  <class/>'))).toEqual(['test.xml:2:3: <class> needs the attribute "name"']);
  });
});

describe('corpus apim-custom-sequences/fault/json_fault.xml', () => {
  test('its class mediator (line 29) loads: no diagnostic is about class', () => {
    const { diagnostics } = new ConfigLoader(builtinMediators()).load([JSON_FAULT]);
    const messages = diagnostics.items.map(formatDiagnostic);
    expect(messages.filter((m) => /class/i.test(m) || /:29:/.test(m))).toEqual([]);
  });
});
