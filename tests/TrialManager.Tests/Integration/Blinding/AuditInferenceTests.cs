using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using static TrialManager.Tests.Integration.Outcomes.OutcomeFixture;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// The audit trail as an attacker with a blinded reader's access uses it: every hash it publishes, every format it
/// comes in. The attacker is given more than any real one has, every true sealed value but the one they try, so that
/// a single confirmed guess would show that the hash gives values away. And the chain must still be re-computable by
/// that reader, and its commitments openable by an unblinded one.
/// </summary>
public sealed class AuditInferenceTests : IntegrationTest
{
    private const string BreachText = $"saw the {ArmZulu} manual in the office";
    private const string UnblindingReason = $"serious adverse event: prescriber must know whether it is {ArmYankee}";

    private TrialWorld _world = null!;

    [SetUp]
    public async Task TrialWithEverySealedValueAsync()
    {
        (_world, var qpr) = await CreateAsync(Api, await NewTrialAsync());
        await Expect(HttpStatusCode.OK, Api.Put($"{_world.Path}/randomisation/scheme",
            new { method = "stratified-block", strata = new[] { "site" }, blockSizes = new[] { 2 } }, _world.Manager));
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/randomisation/scheme/seal", new { reason = "design signed off" }, _world.Manager));
        foreach (var cluster in new[] { _world.ClusterA, _world.ClusterB })
            await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/randomisation/allocations", new { clusterId = cluster, reason = "team ready" }, _world.Manager));
        foreach (var (participant, token) in new[] { (_world.ParticipantA, _world.ResearcherA), (_world.ParticipantB, _world.ResearcherB) })
            foreach (var (timepoint, on) in new[] { ("baseline", "2011-06-10"), ("12m", "2012-06-07") })
                await Expect(HttpStatusCode.Created, Api.Put(AssessmentPath(_world, participant, timepoint, "QPR"),
                    new { answers = All(qpr, 2), status = "complete", assessedOn = on }, token));
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/participants/{_world.ParticipantA}/blinding-guesses",
            new { timepointCode = "12m", guess = ArmZulu, confidence = 4 }, _world.ResearcherA));
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/participants/{_world.ParticipantB}/blinding-guesses",
            new { timepointCode = "12m", guess = "dont-know", confidence = 2 }, _world.ResearcherB));
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/blinding-breaches",
            new { clusterId = _world.ClusterA, description = BreachText }, _world.ResearcherA));
        var researcher = (await Api.Get("/me", _world.ResearcherA)).Id;
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/unblindings",
            new { clusterId = _world.ClusterA, userId = researcher, reason = UnblindingReason }, _world.Manager));
    }

    private async Task<List<JsonObject>> PagesAsync(string token)
    {
        var events = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/audit?limit=100&order=oldest{(cursor is null ? "" : $"&cursor={cursor}")}", token));
            events.AddRange(page["items"].AsArray().Select(e => e!.AsObject()));
            cursor = page.Json!["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        return events;
    }

    /// <summary>Every format a reader gets the trail in.</summary>
    private async Task<Dictionary<string, List<JsonObject>>> FormatsAsync(string token) => new()
    {
        ["json"] = await PagesAsync(token),
        ["jsonl"] = OutsideAuditor.FromJsonLines((await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/audit/export?format=jsonl", token))).Body),
        ["csv"] = OutsideAuditor.FromCsv((await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/audit/export?format=csv", token))).Body),
    };

    /// <summary>The values an attacker would try for each sealed field: every arm and mask, and the true value itself.</summary>
    private IEnumerable<JsonNode?> Candidates(JsonNode? truth)
    {
        yield return truth?.DeepClone();
        foreach (var arm in new[] { ArmZulu, ArmYankee, "dont-know", "A", "B" })
            yield return JsonValue.Create(arm);
        foreach (var (first, second) in new[] { ("A", "B"), ("B", "A") })
            yield return new JsonObject { [ArmZulu] = first, [ArmYankee] = second };
    }

    private static Guid Id(JsonObject e) => Guid.Parse(e["id"]!.GetValue<string>());

    /// <summary>The values a blinded reader was not shown in clear: those of a blinded change that are there at all.</summary>
    private static IEnumerable<string> HiddenSides(JsonObject shownChange) => shownChange["blinded"] is null
        ? []
        : new[] { "old", "new" }.Where(side => shownChange[side] is not null);

    private static IEnumerable<string> SealedSides(JsonObject unblindedChange) =>
        new[] { "old", "new" }.Where(side => unblindedChange["sealed"]?[side] is not null);

    [TestCase("monitor")]
    [TestCase("admin")]
    public async Task No_sealed_value_can_be_confirmed_against_any_published_hash(string who)
    {
        var token = who == "monitor" ? _world.Monitor : Admin;
        var truth = (await PagesAsync(_world.Manager)).ToDictionary(Id);
        var sealedEvents = truth.Values.Count(e => e["changes"]!.AsArray().Any(c => c!["blinded"] is not null));
        Assert.That(sealedEvents, Is.GreaterThanOrEqualTo(6), "allocations, the sealed scheme, guesses, the breach and the unblinding");

        var tried = 0;
        foreach (var (format, events) in await FormatsAsync(token))
        {
            Assert.That(events, Has.Count.EqualTo(truth.Count), format);
            foreach (var e in events.Where(e => e["changes"]!.AsArray().Any(c => c!["blinded"] is not null)))
            {
                var real = truth[Id(e)];
                var realChanges = real["changes"]!.AsArray();
                var published = Convert.FromHexString(e["hash"]!.GetValue<string>());
                var previous = Convert.FromHexString(e["previousHash"]!.GetValue<string>());
                var shownChanges = e["changes"]!.AsArray();
                for (var i = 0; i < realChanges.Count; i++)
                    foreach (var side in HiddenSides(shownChanges[i]!.AsObject()))
                        foreach (var candidate in Candidates(realChanges[i]![side]))
                        {
                            // Every other sealed value at its true value, this one at the candidate, the reason in clear: the hash in
                            // either canonical form must not match.
                            var guess = new JsonArray(realChanges.Select(c => (JsonNode?)new JsonObject
                            {
                                ["field"] = c!["field"]!.DeepClone(), ["old"] = c["old"]?.DeepClone(), ["new"] = c["new"]?.DeepClone(),
                            }).ToArray());
                            for (var j = 0; j < realChanges.Count; j++)
                                if (realChanges[j]!["blinded"] is not null)
                                    guess[j]!["blinded"] = true;
                            guess[i]![side] = candidate?.DeepClone();
                            foreach (var version in new[] { "tm-audit-v1", "tm-audit-v2" })
                            {
                                // Both ways a time's '+' may have been written when the event was hashed.
                                var canonical = OutsideAuditor.Canonical(e, guess, real["reason"]?.DeepClone(), version);
                                foreach (var text in new[] { canonical, canonical.Replace("\\u002B", "+", StringComparison.Ordinal) })
                                {
                                    tried++;
                                    Assert.That(OutsideAuditor.Hash(text, previous), Is.Not.EqualTo(published),
                                        $"{who}, {format}: the hash of a {e["entityType"]} event confirms its sealed {realChanges[i]!["field"]} ({side})");
                                }
                            }
                        }
                AssertCommitmentsAreSalted(e, real);
            }
        }
        Assert.That(tried, Is.GreaterThan(1000), "the attack tried every hidden value");
        TestContext.Progress.WriteLine($"{who}: {tried} guesses against published hashes, none confirmed");
    }

    /// <summary>A commitment must not be a plain digest of the value: that would be a hash to try candidates against too.</summary>
    private static void AssertCommitmentsAreSalted(JsonObject shown, JsonObject real)
    {
        var digests = new List<string>();
        foreach (var change in real["changes"]!.AsArray())
            foreach (var side in SealedSides(change!.AsObject()))
            {
                var value = change[side]?.ToJsonString() ?? "null";
                digests.Add(Hex(Encoding.UTF8.GetBytes(value)));
                if (change[side] is JsonValue text && text.TryGetValue<string>(out var s))
                    digests.Add(Hex(Encoding.UTF8.GetBytes(s)));
            }
        if (real["reason"]?.GetValue<string>() is { } reason)
            digests.Add(Hex(Encoding.UTF8.GetBytes(reason)));
        Assert.That(digests, Has.None.AnyOf(shown.ToJsonString().Split('"')), "a published commitment is an unsalted digest of its value");
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [TestCase("monitor")]
    [TestCase("admin")]
    public async Task A_blinded_reader_still_recomputes_the_whole_chain_from_every_format(string who)
    {
        var token = who == "monitor" ? _world.Monitor : Admin;
        foreach (var (format, events) in await FormatsAsync(token))
        {
            Assert.That(events.Count(e => e["reasonCommitment"] is not null), Is.GreaterThanOrEqualTo(3), $"{format}: sealed reasons");
            Assert.That(OutsideAuditor.Verify(events), Is.Empty, $"{who}, {format}");
            // The trial's own list of arms is not secret; nothing else may name one.
            var rest = string.Concat(events.Where(e => e["entityType"]!.GetValue<string>() is not ("trial" or "trial-arm")).Select(e => e.ToJsonString()));
            Assert.That(rest, Does.Not.Contain(ArmZulu).And.Not.Contain(ArmYankee), $"{format}: an arm outside the trial's own definition");
        }
    }

    [Test]
    public async Task A_reader_who_sees_every_arm_opens_every_commitment_and_recomputes_the_chain()
    {
        var events = await PagesAsync(_world.Manager);
        var opened = 0;
        foreach (var e in events)
        {
            foreach (var change in e["changes"]!.AsArray())
                foreach (var side in SealedSides(change!.AsObject()))
                {
                    var seal = change["sealed"]![side]!;
                    var value = Encoding.UTF8.GetBytes(change[side]?.ToJsonString() ?? "null");
                    Assert.That(Hex([.. Convert.FromHexString(seal["salt"]!.GetValue<string>()), .. value]), Is.EqualTo(seal["commitment"]!.GetValue<string>()),
                        $"{e["entityType"]}.{change["field"]} ({side})");
                    opened++;
                }
            if (e["reasonCommitment"] is { } commitment)
            {
                var reason = Encoding.UTF8.GetBytes(JsonValue.Create(e["reason"]!.GetValue<string>()).ToJsonString());
                Assert.That(Hex([.. Convert.FromHexString(e["reasonSalt"]!.GetValue<string>()), .. reason]), Is.EqualTo(commitment.GetValue<string>()));
                opened++;
            }
        }
        Assert.That(opened, Is.GreaterThanOrEqualTo(12));
        Assert.That(OutsideAuditor.Verify(events), Is.Empty);
        Assert.That(string.Concat(events.Select(e => e.ToJsonString())), Does.Contain(UnblindingReason).And.Contain(BreachText));
    }

    [Test]
    public async Task A_sealed_value_swapped_in_the_database_is_found_by_verification()
    {
        var allocation = await Db.ScalarAsync<Guid>(
            "SELECT id FROM audit_events WHERE chain_id = $1 AND entity_type = 'allocation' ORDER BY id LIMIT 1", _world.TrialId);
        Assert.That((await Api.Get($"{_world.Path}/audit/verify", _world.Monitor))["valid"].GetValue<bool>(), Is.True);
        await Db.ExecuteAsync("SET session_replication_role = replica; " +
            $"UPDATE audit_events SET sealed_values = replace(replace(replace(sealed_values::text, '{ArmZulu}', 'swap'), '{ArmYankee}', '{ArmZulu}'), 'swap', '{ArmYankee}')::json WHERE id = '{allocation}'");
        var verdict = await Api.Get($"{_world.Path}/audit/verify", _world.Monitor);
        Assert.Multiple(() =>
        {
            Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
            Assert.That(verdict["firstBrokenEventId"].GetValue<Guid>(), Is.EqualTo(allocation));
            Assert.That(verdict.Body, Does.Contain("'arm' does not match its commitment"));
            Assert.That(verdict.Body, Does.Not.Contain(ArmZulu).And.Not.Contain(ArmYankee), "the verdict names the field, never the value");
        });
    }
}
