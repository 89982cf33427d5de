namespace TrialManager.Tests.Integration.BadInput;

/// <summary>Refusals that used to come with the wrong status, or without what a client needs to act on them.</summary>
public sealed class ErrorAnswerTests : RefusalTest
{
    [TestCase("/audit?entityId=not-a-guid", "entityId")]
    [TestCase("/audit?from=some%20day", "from")]
    [TestCase("/participants?limit=many", "limit")]
    public async Task An_unbindable_query_parameter_is_a_violation_naming_it_without_type_names(string query, string parameter)
    {
        var trial = await NewTrialWorldAsync();
        var response = await AssertRefusedAsync(() => Api.Get($"{trial.Path}{query}", trial.World.Manager), parameter);
        Assert.That(response.Body, Does.Not.Match(@"Nullable|Guid\b|Int32|DateTimeOffset|System\."), "the answer names .NET types");
    }

    [Test]
    public async Task Error_answers_carry_the_request_id()
    {
        var trial = await NewTrialWorldAsync();
        var answers = new[]
        {
            await Api.Get($"/trials/{Guid.NewGuid()}", trial.World.Manager),
            await trial.Send(HttpMethod.Post, $"{trial.Path}/sites", """{"code": ""}""", trial.World.Manager),
            await trial.Send(HttpMethod.Post, $"{trial.Path}/sites", "{\"code\": ", trial.World.Manager),
        };
        Assert.Multiple(() =>
        {
            foreach (var answer in answers)
            {
                Assert.That(answer.Headers.TryGetValues("X-Request-Id", out var ids), $"X-Request-Id on {answer}");
                Assert.That(ids?.SingleOrDefault(), Is.EqualTo(answer.Json?["requestId"]?.GetValue<string>()), "the header and the problem quote one id");
            }
        });
    }

    [Test]
    public async Task Verifying_another_trials_assessment_is_not_found()
    {
        var other = await (await NewTrialWorldAsync()).WithOutcomesAsync();
        var assessments = await Api.Get($"{other.Path}/participants/{other.World.ParticipantA}/assessments", other.World.Manager);
        var theirs = assessments["items"].AsArray()[0]!["id"]!.GetValue<Guid>();
        var mine = await NewTrialAsync("MINE");

        var response = await Api.Post($"{mine.Path}/assessments/{theirs}/verification", new { verified = true }, mine.Monitor);
        Assert.That((response.Code, response.ContentType), Is.EqualTo((404, "application/problem+json")), response.ToString());
    }
}
