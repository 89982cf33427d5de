using System.Text;
using CsCheck;
using TrialManager.Tests.Integration.Outcomes;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>Input that the service used to answer with a 500 (or a 200 that broke off): each must be a 4xx that names the field.</summary>
public sealed class ServerErrorTests : RefusalTest
{
    private static readonly HttpMethod Get = HttpMethod.Get, Post = HttpMethod.Post, Put = HttpMethod.Put, Patch = HttpMethod.Patch;

    private static TestCaseData Case(string name, string field, Func<Trial, Task<ApiResponse>> send) =>
        new TestCaseData(new BadRequest(name, field, send)).SetArgDisplayNames(name);

    [TestCase("application/xml")]
    [TestCase("text/csv")]
    public async Task A_failing_request_answers_problem_details_whatever_it_accepts(string accept)
    {
        var trial = await NewTrialWorldAsync();
        void Accept(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Accept", accept);

        var unknown = await trial.Send(Get, $"/trials/{Guid.NewGuid()}", null, trial.World.Manager, Accept);
        var malformed = await trial.Send(Post, $"{trial.Path}/sites", "{\"code\": ", trial.World.Manager, Accept);
        Assert.Multiple(() =>
        {
            Assert.That((unknown.Code, unknown.ContentType), Is.EqualTo((404, "application/problem+json")), unknown.ToString());
            Assert.That((malformed.Code, malformed.ContentType), Is.EqualTo((400, "application/problem+json")), malformed.ToString());
        });
    }

    public static IEnumerable<TestCaseData> NulInStoredFields() =>
    [
        Case("site name", "name", t => t.Send(Post, $"{t.Path}/sites", """{"code": "S9", "name": "a\u0000b"}""", t.World.Manager)),
        Case("trial title", "title", t => t.Send(Patch, t.Path, """{"title": "a\u0000b"}""", t.World.Manager)),
        Case("reason of an enrolment", "reason", t => t.Send(Post, $"{t.Path}/participants",
            $$"""{"externalId": "P-9", "clusterId": "{{t.World.ClusterA}}", "kind": "patient", "consentDate": "2011-06-01", "baselineDate": "2011-06-08", "reason": "a\u0000b"}""",
            t.World.ResearcherA)),
        Case("cluster covariate", "covariates.teamType", t => t.Send(Post, $"{t.Path}/clusters",
            $$"""{"code": "T9", "siteId": "{{t.World.SiteA}}", "covariates": {"caseload": 10, "teamType": "a\u0000b"} }""", t.World.Manager)),
        Case("instrument title", "title", t => PostInstrument(t, Instrument(title: "\"a\\u0000b\""))),
        Case("timepoint label", "label", t => t.Send(Post, $"{t.Path}/timepoints",
            """{"code": "6m", "label": "a\u0000b", "offsetDays": 182, "windowDaysBefore": 14, "windowDaysAfter": 28}""", t.World.Manager)),
        Case("breach description", "description", t => t.Send(Post, $"{t.Path}/blinding-breaches", """{"description": "a\u0000b"}""", t.World.ResearcherA)),
        Case("user display name", "displayName", t => t.Send(Post, "/users",
            """{"userName": "nul-user", "displayName": "a\u0000b", "email": "nul@example.org"}""", TestHost.AdminToken)),
        Case("text answer", "answers.note", async t =>
        {
            await t.WithOutcomesAsync();
            return await t.Send(Put, OutcomeFixture.AssessmentPath(t.World, t.SpareParticipant, "baseline", "MOOD"),
                """{"answers": {"m1": 2, "note": "a\u0000b"}, "status": "draft", "assessedOn": "2011-06-10"}""", t.World.ResearcherA);
        }),
        Case("query question", "question", async t => await t.Send(Post, $"{t.Path}/queries",
            $$"""{"assessmentId": "{{await AssessmentAsync(t)}}", "question": "a\u0000b"}""", t.World.Monitor)),
    ];

    [TestCaseSource(nameof(NulInStoredFields))]
    public async Task Nul_in_a_stored_field_is_refused(BadRequest request)
    {
        // The outcomes a request may need are set up before the change log is read, so that it shows the request's writes only.
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        await AssertRefusedAsync(() => request.Send(trial), request.Field);
    }

    /// <summary>
    /// Text with what breaks text: NUL and the other control characters, lone surrogates, pairs, combining marks,
    /// direction overrides, a byte order mark and a non-character, among plain letters.
    /// </summary>
    private static readonly Gen<string> AwkwardText = Gen.Frequency(
            (8, Gen.Char['a', 'z']), (2, Gen.Char[' ', '~']), (1, Gen.Char['\0', '\u001f']), (1, Gen.Char['\u007f', '\u009f']),
            (1, Gen.Char['\ud800', '\udfff']), (1, Gen.Char['\u0300', '\u036f']), (1, Gen.Char["\u202e\ufeff\uffff\u00e9"]))
        .Array[1, 40].Select(chars => new string(chars));

    /// <summary>Every character outside printable ASCII escaped, so that a lone surrogate reaches the service as the JSON escape it is.</summary>
    private static string JsonString(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
            json.Append(c is >= ' ' and <= '~' and not '"' and not '\\' ? c.ToString() : $"\\u{(int)c:x4}");
        return json.Append('"').ToString();
    }

    [Test]
    public async Task Any_text_given_as_a_site_name_is_stored_exactly_or_refused()
    {
        var trial = await NewTrialWorldAsync();
        await AwkwardText.SampleAsync(async name =>
        {
            var (created, changed) = await SendLoggedAsync(() => trial.Send(Post, $"{trial.Path}/sites",
                $"{{\"code\": \"{TrialWorld.Unique("S")}\", \"name\": {JsonString(name)}}}", trial.World.Manager));
            // Plain exceptions, not assertions: CsCheck catches them to shrink the name, and NUnit would keep every one of them.
            if (created.Code == 201)
            {
                var stored = (await Api.Get($"{trial.Path}/sites/{created.Id}", trial.World.Manager))["name"].GetValue<string>();
                if (stored != name)
                    throw new InvalidOperationException($"stored {JsonString(stored)}");
                return;
            }
            if (WhatIsWrong(created, "name") is { } wrong)
                throw new InvalidOperationException(wrong);
            if (changed.Count > 0)
                throw new InvalidOperationException($"refused, yet changed {string.Join(", ", changed)}");
        }, iter: 150, threads: 1, print: JsonString);
    }

    [TestCase("/audit", "entityType")]
    [TestCase("/audit", "action")]
    [TestCase("/audit/export", "entityType")]
    [TestCase("/audit/export", "action")]
    [TestCase("/queries", "status")]
    public async Task Nul_in_a_query_filter_is_refused(string route, string filter)
    {
        var trial = await NewTrialWorldAsync();
        await AssertRefusedAsync(() => trial.Send(Get, $"{trial.Path}{route}?{filter}=a%00b", null, trial.World.Monitor), filter);
    }

    private static string Reason1001 => Quoted(new string('r', 1_001));

    public static IEnumerable<TestCaseData> LongerThanTheirColumn() =>
    [
        Case("reason of a timepoint", "reason", t => t.Send(Post, $"{t.Path}/timepoints",
            $$"""{"code": "6m", "label": "Six months", "offsetDays": 182, "windowDaysBefore": 14, "windowDaysAfter": 28, "reason": {{Reason1001}}}""",
            t.World.Manager)),
        Case("reason of a schedule", "reason", async t =>
        {
            await t.WithOutcomesAsync();
            return await t.Send(Put, $"{t.Path}/schedule",
                $$"""{"entries": [{"timepointCode": "baseline", "instrumentCode": "MOOD", "participantKind": "patient"}], "reason": {{Reason1001}}}""",
                t.World.Manager);
        }),
        Case("reason of an assessment", "reason", async t =>
        {
            await t.WithOutcomesAsync();
            return await t.Send(Put, OutcomeFixture.AssessmentPath(t.World, t.SpareParticipant, "baseline", "MOOD"),
                $$"""{"answers": {"m1": 2}, "status": "draft", "assessedOn": "2011-06-10", "reason": {{Reason1001}}}""", t.World.ResearcherA);
        }),
        Case("reason of an instrument", "reason", t => PostInstrument(t, Instrument(reason: Reason1001))),
        Case("reason of a correction in a query answer", "correction.reason", async t =>
        {
            await t.WithOutcomesAsync();
            return await t.Send(Post, $"{t.Path}/queries/{t.OpenQuery}/answers",
                $$"""{"text": "checked", "correction": {"itemCode": "m1", "value": 1, "reason": {{Reason1001}} } }""", t.World.ResearcherA);
        }),
        Case("title of an instrument", "title", t => PostInstrument(t, Instrument(title: Quoted(new string('t', 201))))),
    ];

    [TestCaseSource(nameof(LongerThanTheirColumn))]
    public async Task A_string_longer_than_its_column_is_refused(BadRequest request)
    {
        // The outcomes a request may need are set up before the change log is read, so that it shows the request's writes only.
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        await AssertRefusedAsync(() => request.Send(trial), request.Field);
    }

    public static IEnumerable<TestCaseData> NullsAndHolesInLists() =>
    [
        Case("arms: [null]", "arms[0]", t => t.Send(Post, "/trials",
            """{"code": "NULLARM", "title": "t", "arms": [null, {"code": "b", "label": "B", "ratio": 1}]}""", TestHost.AdminToken)),
        Case("covariates: [null]", "covariates[0]", t => t.Send(Put, $"{t.Path}/randomisation/scheme",
            """{"method": "constrained", "covariates": [null]}""", t.World.Manager)),
        Case("factors: [null]", "factors[0]", t => t.Send(Put, $"{t.Path}/randomisation/scheme",
            """{"method": "minimisation", "factors": [null]}""", t.World.Manager)),
        Case("entries: [null]", "entries[0]", async t =>
        {
            await t.WithOutcomesAsync();
            return await t.Send(Put, $"{t.Path}/schedule", """{"entries": [null]}""", t.World.Manager);
        }),
        Case("items: [null]", "items[0]", t => PostInstrument(t, Instrument(items: "[null]", scales: "[]"))),
        Case("scales: [{}]", "scales[0]", t => PostInstrument(t, Instrument(scales: "[{}]"))),
        Case("an item without a code", "items[0].code", t => PostInstrument(t, Instrument(
            items: """[{"label": "Low mood", "type": "integer", "min": 0, "max": 4, "required": true}]""", scales: "[]"))),
        Case("two items with one code", "items", t => PostInstrument(t, Instrument(
            items: """[{"code": "w1", "label": "A", "type": "integer", "min": 0, "max": 4, "required": true}, {"code": "w1", "label": "B", "type": "integer", "min": 0, "max": 4, "required": true}]""",
            scales: "[]"))),
    ];

    [TestCaseSource(nameof(NullsAndHolesInLists))]
    public async Task A_list_with_a_null_or_incomplete_element_is_refused(BadRequest request)
    {
        // The outcomes a request may need are set up before the change log is read, so that it shows the request's writes only.
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        await AssertRefusedAsync(() => request.Send(trial), request.Field);
    }

    public static IEnumerable<TestCaseData> NonFiniteNumbers() =>
        from value in new[] { "1e309", "\"NaN\"" }
        from c in new (string Where, string Field, Func<string, Func<Trial, Task<ApiResponse>>> Send)[]
        {
            ("an item's minimum", "items[0].min", v => t => PostInstrument(t, Instrument(
                items: $$"""[{"code": "w1", "label": "Low mood", "type": "integer", "min": {{v}}, "max": 4, "required": true}]""", scales: "[]"))),
            ("an item's maximum", "items[0].max", v => t => PostInstrument(t, Instrument(
                items: $$"""[{"code": "w1", "label": "Low mood", "type": "integer", "min": 0, "max": {{v}}, "required": true}]""", scales: "[]"))),
            ("a missing-data code", "missingCodes[0].value", v => t => PostInstrument(t, Instrument(missingCodes: $$"""[{"value": {{v}}, "label": "refused"}]"""))),
            ("a multiplier", "scales[0].multiplier", v => t => PostInstrument(t, Instrument(scales: Scale(multiplier: v)))),
            ("a covariate weight", "covariates[0].weight", v => t => t.Send(Put, $"{t.Path}/randomisation/scheme",
                $$"""{"method": "constrained", "covariates": [{"name": "caseload", "weight": {{v}}}]}""", t.World.Manager)),
        }
        select Case($"{value} as {c.Where}", c.Field, c.Send(value));

    [TestCaseSource(nameof(NonFiniteNumbers))]
    public async Task A_number_that_is_not_finite_is_refused(BadRequest request)
    {
        // The outcomes a request may need are set up before the change log is read, so that it shows the request's writes only.
        var trial = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        await AssertRefusedAsync(() => request.Send(trial), request.Field);
    }

    [Test]
    public async Task A_lone_surrogate_in_a_cluster_covariate_is_refused()
    {
        var trial = await NewTrialWorldAsync();
        await AssertRefusedAsync(() => trial.Send(Post, $"{trial.Path}/clusters",
            $$"""{"code": "T9", "siteId": "{{trial.World.SiteA}}", "covariates": {"caseload": 10, "teamType": "a\ud800b"} }""", trial.World.Manager),
            "covariates.teamType");
    }

    [Test]
    public async Task Queries_older_than_int_max_days_are_listed_without_a_server_error()
    {
        var trial = await NewTrialWorldAsync();
        var response = await Api.Get($"{trial.Path}/queries?olderThanDays=2147483647", trial.World.Monitor);
        if (response.Code != 200)
            AssertProblem(response, "olderThanDays");
    }

    /// <summary>The complete MOOD baseline of participant A (seeded with the outcomes).</summary>
    private static async Task<Guid> AssessmentAsync(Trial t)
    {
        await t.WithOutcomesAsync();
        var assessments = await t.Api.Get($"{t.Path}/participants/{t.World.ParticipantA}/assessments", t.World.Manager);
        return assessments["items"].AsArray().Single(a => a!["timepointCode"]!.GetValue<string>() == "baseline")!["id"]!.GetValue<Guid>();
    }
}
