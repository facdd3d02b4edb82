import { describe, expect, it } from 'vitest';
import { AliyunSmsConfigSchema } from './config.js';
import { aliyunTimestamp, canonicalQuery, classifyAliyun, percentEncode, sendSmsParams, signature, signedBody, stringToSign } from './sms.js';
import { cutChars, smsParams } from './smsQueue.js';
import type { Alert } from './format.js';

describe('Aliyun SendSms signature v1 (domain.md §3.2)', () => {
  it('percent-encodes per RFC 3986: space %20, * %2A, ~ kept, !\'() encoded, UTF-8 bytes', () => {
    expect(percentEncode('a b*c~d')).toBe('a%20b%2Ac~d');
    expect(percentEncode("!'()")).toBe('%21%27%28%29');
    expect(percentEncode('/:=&+')).toBe('%2F%3A%3D%26%2B');
    expect(percentEncode('阿')).toBe('%E9%98%BF');
  });

  it("reproduces Aliyun's published SendSms example (GET, testId/testSecret)", () => {
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    const sts = stringToSign('GET', params);
    expect(sts.startsWith('GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26')).toBe(true);
    expect(sts).toContain('TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z');
    expect(signature('testSecret', sts)).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('signs our POST request exactly (vector computed apart, with Python urllib quote + hmac)', () => {
    const params = sendSmsParams({
      accessKeyId: 'LTAI5tParkAlerts01',
      regionId: 'cn-hangzhou',
      phoneNumbers: ['13800001101'],
      signName: '某园区环保',
      templateCode: 'SMS_465700001',
      templateParam: { site: '明弘集团一企一管排口', pollutant: 'COD', value: "650 mg/L (限值*500)~!'", ticket: 'WO-20261126-0001' },
      outId: 'abc123',
      now: Date.parse('2026-11-26T10:15:00+08:00'),
      nonce: '3f1c2a9e-5b7d-4e2f-9a61-0c8d7e6b5a41',
    });
    expect(params.Timestamp).toBe('2026-11-26T02:15:00Z');
    expect(canonicalQuery(params)).toBe(
      'AccessKeyId=LTAI5tParkAlerts01&Action=SendSms&Format=JSON&OutId=abc123&PhoneNumbers=13800001101&RegionId=cn-hangzhou' +
        '&SignName=%E6%9F%90%E5%9B%AD%E5%8C%BA%E7%8E%AF%E4%BF%9D&SignatureMethod=HMAC-SHA1&SignatureNonce=3f1c2a9e-5b7d-4e2f-9a61-0c8d7e6b5a41' +
        '&SignatureVersion=1.0&TemplateCode=SMS_465700001' +
        '&TemplateParam=%7B%22site%22%3A%22%E6%98%8E%E5%BC%98%E9%9B%86%E5%9B%A2%E4%B8%80%E4%BC%81%E4%B8%80%E7%AE%A1%E6%8E%92%E5%8F%A3%22%2C%22pollutant%22%3A%22COD%22%2C%22value%22%3A%22650%20mg%2FL%20%28%E9%99%90%E5%80%BC%2A500%29~%21%27%22%2C%22ticket%22%3A%22WO-20261126-0001%22%7D' +
        '&Timestamp=2026-11-26T02%3A15%3A00Z&Version=2017-05-25',
    );
    const sig = signature('parkSecret-Test/+=', stringToSign('POST', params));
    expect(sig).toBe('5KfeKCa1WyYAem+h/eIe7cReSY0=');
    expect(signedBody('POST', params, 'parkSecret-Test/+=').startsWith('Signature=5KfeKCa1WyYAem%2Bh%2FeIe7cReSY0%3D&AccessKeyId=')).toBe(true);
  });

  it('a Signature parameter already present is not signed over', () => {
    expect(canonicalQuery({ B: '2', A: '1', Signature: 'x' })).toBe('A=1&B=2');
  });

  it('timestamps are UTC without milliseconds', () => {
    expect(aliyunTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05Z');
  });
});

describe('Aliyun replies', () => {
  it('OK is sent, with BizId as the message id', () => {
    expect(classifyAliyun(200, '{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"F655A8D5"}')).toEqual({
      status: 'sent', code: 'OK', message: 'OK', messageId: '900619746936498440^0', requestId: 'F655A8D5',
    });
  });

  it('flow control is capped (not retried today); configuration errors fail; system errors retry', () => {
    expect(classifyAliyun(200, '{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发天级流控Permits:50"}').status).toBe('capped');
    expect(classifyAliyun(200, '{"Code":"isv.DAY_LIMIT_CONTROL","Message":"x"}').status).toBe('capped');
    expect(classifyAliyun(400, '{"Code":"SignatureDoesNotMatch","Message":"x"}').status).toBe('failed');
    expect(classifyAliyun(200, '{"Code":"isv.SMS_TEMPLATE_ILLEGAL","Message":"x"}').status).toBe('failed');
    expect(classifyAliyun(500, '{"Code":"isp.SYSTEM_ERROR","Message":"x"}').status).toBe('retry');
    expect(classifyAliyun(503, 'Service Unavailable')).toMatchObject({ status: 'retry', code: 'HTTP_503' });
    expect(classifyAliyun(404, 'not found')).toMatchObject({ status: 'failed', code: 'HTTP_404' });
  });
});

describe('SMS template values', () => {
  const config = AliyunSmsConfigSchema.parse({ provider: 'aliyun', signName: '某园区', templateCode: 'SMS_1', params: { site: 'a', pollutant: 'b', value: 'c', ticket: 'd' }, maxParamChars: 12 });
  const alert = (site: string, pollutant: string, value: string, ticket: string) => ({ sms: { site, pollutant, value, ticket } }) as Alert;

  it('one alert fills the template as it is, under the configured variable names', () => {
    expect(smsParams([alert('1#雨水排口', 'COD', '58.2 mg/L', 'WO-1')], config)).toEqual({ a: '1#雨水排口', b: 'COD', c: '58.2 mg/L', d: 'WO-1' });
  });

  it('several alerts to one officer are summarised, each value cut to maxParamChars', () => {
    const p = smsParams([alert('明弘集团一企一管排口', 'COD', '650 mg/L', 'WO-1'), alert('林达科技一企一管排口', '氨氮', '50 mg/L', 'WO-2')], config);
    expect(p).toEqual({ a: '明弘集团一企一管…等2处', b: 'COD、氨氮', c: '650 mg/L等', d: 'WO-1等2张' });
    expect(cutChars('一二三', 2)).toBe('一…');
  });
});
