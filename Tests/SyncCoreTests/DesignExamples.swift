/// The two message examples of DESIGN.md, verbatim; ``SchemaValidationTests`` checks they are still there.
enum DesignExamples {
    static let erpChange = """
        {
          "schema": "erp.change.v1",
          "messageId": "7f1c0c9e-3a55-4c1e-9a4e-1d2b8c0f6a11",
          "portal": "acme.bitrix24.ru",
          "entity": "deal",
          "op": "upsert",
          "originId": "D-10023",
          "changedAt": "2026-02-24T10:15:00Z",
          "fields": { "title": "Pump delivery", "opportunity": 1500.0, "currencyId": "RUB", "stageId": "NEW" }
        }
        """

    static let b24Change = """
        {
          "schema": "b24.change.v1",
          "kind": "synced",
          "portal": "acme.bitrix24.ru",
          "entity": "deal",
          "entityTypeId": 2,
          "id": 1001,
          "originId": "D-10023",
          "updatedTime": "2026-02-24T10:15:03+03:00",
          "item": { "title": "Pump delivery", "stageId": "NEW" },
          "drift": [],
          "traceId": "4bf92f3577b34da6a3ce929d0e0e4736"
        }
        """
}
