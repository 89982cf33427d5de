using System.Net;
using TrialManager.Api.Features.Audit;
using TrialManager.Data.Audit;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Audit;

/// <summary>
/// A trail that began before values were sealed: its old events hold arms in clear inside their hashed form. Blinded
/// readers must not get the hashes that cover them (that event's, and every later one of its strand), while the
/// chain still verifies and unblinded readers see everything.
/// </summary>
public sealed class LegacyClearValueTests : IntegrationTest
{
    private const int Strand = AuditChain.Strands - 1;
    private TrialWorld _world = null!;
    private AuditEvent _legacy = null!;
    private AuditEvent _after = null!;

    [SetUp]
    public async Task TrailWithAnEventFromBeforeSealingAsync()
    {
        _world = await NewTrialAsync();
        var sequence = await Db.ScalarAsync<long>("SELECT sequence FROM audit_strand_heads WHERE chain_id = $1 AND strand = $2", _world.TrialId, Strand);
        var head = (await Db.ScalarAsync<byte[]>("SELECT hash FROM audit_strand_heads WHERE chain_id = $1 AND strand = $2", _world.TrialId, Strand))!;
        _legacy = await AppendAsync(format: 1, sequence + 1, head, $$"""[{"field":"arm","old":null,"new":"{{ArmZulu}}","blinded":true}]""");
        _after = await AppendAsync(format: 2, sequence + 2, _legacy.Hash, """[{"field":"status","old":"active","new":"lost"}]""");
    }

    /// <summary>Appends an event to the strand as the service of its time would have, hashed with the chain's own rules.</summary>
    private async Task<AuditEvent> AppendAsync(short format, long sequence, byte[] previous, string changes)
    {
        var now = DateTimeOffset.UtcNow;
        var e = new AuditEvent
        {
            Id = Guid.CreateVersion7(), ChainId = _world.TrialId, Strand = Strand, Sequence = sequence, TrialId = _world.TrialId,
            OccurredAt = now.AddTicks(-(now.Ticks % 10)), Action = "insert", EntityType = "allocation", EntityId = Guid.CreateVersion7(),
            Changes = changes, Format = format, Reason = "legacy", PreviousHash = previous, Hash = [],
        };
        e.Hash = new AuditChain.Hasher().Hash(e, previous);
        await Db.ScalarAsync<int>("""
            INSERT INTO audit_events (id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes, reason,
                                      previous_hash, hash, format)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json, $11, $12, $13, $14) RETURNING 1
            """, e.Id, e.ChainId, e.Strand, e.Sequence, e.TrialId!, e.OccurredAt, e.Action, e.EntityType, e.EntityId!, e.Changes, e.Reason!,
            e.PreviousHash, e.Hash, e.Format);
        await Db.ScalarAsync<int>("UPDATE audit_strand_heads SET sequence = $1, hash = $2 WHERE chain_id = $3 AND strand = $4 RETURNING 1",
            e.Sequence, e.Hash, _world.TrialId, Strand);
        return e;
    }

    private async Task<Dictionary<Guid, System.Text.Json.Nodes.JsonNode>> TrailAsync(string token) =>
        (await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/audit?limit=500", token)))["items"].AsArray()
        .ToDictionary(e => e!["id"]!.GetValue<Guid>(), e => e!);

    [Test]
    public async Task Blinded_readers_get_no_hash_that_covers_a_value_in_clear()
    {
        Assert.That((await Api.Get($"{_world.Path}/audit/verify", _world.Monitor))["valid"].GetValue<bool>(), Is.True, "the chain holds");
        foreach (var token in new[] { _world.Monitor, Admin })
        {
            var trail = await TrailAsync(token);
            Assert.Multiple(() =>
            {
                Assert.That(trail[_legacy.Id]["changes"]![0]!["new"]!.GetValue<string>(), Is.EqualTo(AuditFields.RedactedValue));
                Assert.That(trail[_legacy.Id]["hash"], Is.Null, "the legacy event's hash");
                Assert.That(trail[_legacy.Id]["previousHash"], Is.Not.Null, "what came before it covers nothing in clear");
                Assert.That(trail[_after.Id]["hash"], Is.Null, "a later hash of the strand covers it too");
                Assert.That(trail[_after.Id]["previousHash"], Is.Null);
                Assert.That(trail.Values.Where(e => e["strand"]!.GetValue<int>() != Strand).Select(e => e["hash"]), Has.None.Null,
                    "other strands keep their hashes");
                Assert.That(trail.Values.Where(e => e["entityType"]!.GetValue<string>() != "trial-arm").Select(e => e.ToJsonString()),
                    Has.None.Contains(ArmZulu), "no arm outside the trial's own list");
            });
            var checkpoint = await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/audit/checkpoints", null, token));
            var heads = checkpoint["heads"].AsArray();
            Assert.That(heads.Single(h => h!["strand"]!.GetValue<int>() == Strand)!["hash"], Is.Null);
            Assert.That(heads.Where(h => h!["strand"]!.GetValue<int>() != Strand && h!["sequence"]!.GetValue<long>() > 0).Select(h => h!["hash"]), Has.None.Null);
        }
        var manager = await TrailAsync(_world.Manager);
        Assert.That(manager[_after.Id]["hash"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(_after.Hash)));
        Assert.That(manager[_legacy.Id]["changes"]![0]!["new"]!.GetValue<string>(), Is.EqualTo(ArmZulu));
    }
}
