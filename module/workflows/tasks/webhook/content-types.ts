/**
 * The webhook form's content types. `hint` is the option's tooltip; `body` and `example`
 * describe where parameters go in that type.
 */
export const CONTENT_TYPES = [
  {
    value: 'JSON',
    label: 'JSON',
    hint: '{"contact":{"name":"Ada"}}',
    body: 'Sent as one JSON object:',
    example: '{"contact":{"name":"Ada"},"items":[{"sku":"A1"}]}',
  },
  {
    value: 'JSONARRAY',
    label: 'JSON array',
    hint: '[{"contact":{"name":"Ada"}}]',
    body: 'Sent as a JSON array holding one object:',
    example: '[{"contact":{"name":"Ada"}}]',
  },
  {
    value: 'XML',
    label: 'XML',
    hint: '<request><contact><name>Ada</name></contact></request>',
    body: 'Sent as an XML document under the root element; a list repeats its element:',
    example: '<request><contact><name>Ada</name></contact></request>',
  },
  {
    value: 'FORM',
    label: 'Form (urlencoded)',
    hint: 'contact[name]=Ada',
    body: 'Sent form-encoded with brackets, as PHP and Rails read it:',
    example: 'contact[name]=Ada&items[0][sku]=A1',
  },
  {
    value: 'BITRIX24',
    label: 'Bitrix24 preset',
    hint: 'event=ONCRMDEALUPDATE&data[FIELDS][ID]=5&auth[application_token]=… (the token is added when each request is sent)',
    body: 'Sent like a Bitrix24 event: parameters go under data[FIELDS] (ID is the record id), the application token is added when each request is sent:',
    example: 'event=ONCRMDEALUPDATE&data[FIELDS][ID]=5&data[FIELDS][TITLE]=…&auth[application_token]=…',
  },
  {
    value: 'ENVELOPE',
    label: 'Standard envelope preset',
    hint: '{"type":"deal.updated","timestamp":…,"data":{"record":…,"changes":…}}',
    body: 'Sent as a standard envelope: parameters join record, previous and changes (names Hookflow reserves) in data:',
    example: '{"type":"deal.updated","timestamp":"…","data":{"record":…,"changes":…,"contact":{"name":"Ada"}}}',
  },
];
