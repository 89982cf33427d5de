using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TrialManager.Api.Features.Audit;
using TrialManager.Data.Audit;

namespace TrialManager.Tests.Unit.Audit;

public sealed class AuditChainTests
{
    private static readonly Guid Trial = Guid.Parse("01a22000-0000-7000-8000-000000000001");

    /// <summary>A valid chain of `count` events spread over the given strands, as the interceptor would write it.</summary>
    internal static List<AuditEvent> Chain(int count, int strands = 1)
    {
        var hasher = new AuditChain.Hasher();
        var heads = new Dictionary<int, (long Sequence, byte[] Hash)>();
        var events = new List<AuditEvent>();
        for (var i = 0; i < count; i++)
        {
            var strand = i % strands;
            var (sequence, previous) = heads.TryGetValue(strand, out var h) ? h : (0, AuditChain.Genesis);
            var e = new AuditEvent
            {
                Id = Guid.CreateVersion7(), ChainId = Trial, Strand = strand, Sequence = sequence + 1, TrialId = Trial,
                OccurredAt = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(i), Action = "update",
                EntityType = "participant", EntityId = Guid.CreateVersion7(), Changes = $$"""[{"field":"status","old":"active","new":"lost{{i}}"}]""",
                ActorUserId = Guid.CreateVersion7(), ActorRole = "researcher", RequestId = $"req-{i}", Reason = i % 2 == 0 ? "because" : null,
                PreviousHash = previous, Hash = [],
            };
            e.Hash = hasher.Hash(e, previous);
            heads[strand] = (e.Sequence, e.Hash);
            events.Add(e);
        }
        return events.OrderBy(e => e.Strand).ThenBy(e => e.Sequence).ToList();
    }

    internal static IEnumerable<StrandPosition> Heads(IEnumerable<AuditEvent> events) =>
        events.GroupBy(e => e.Strand).Select(g => g.MaxBy(e => e.Sequence)!).Select(e => new StrandPosition(e.Strand, e.Sequence, e.Hash));

    private static ChainVerification Verify(IEnumerable<AuditEvent> events, IEnumerable<StrandPosition> heads)
    {
        var verifier = new ChainVerifier();
        foreach (var e in events)
            verifier.Add(e);
        return verifier.Finish(heads);
    }

    [Test]
    public void The_hash_is_sha256_of_the_canonical_form_and_the_previous_hash()
    {
        var e = Chain(1)[0];
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            AuditChain.WriteCanonical(e, writer);
        var canonical = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.That(canonical, Does.StartWith($"[\"tm-audit-v2\",\"{e.Id}\",\"{Trial}\",0,1,\"{Trial}\",\"2026-11-28T10:00:00.000000Z\",\"update\""));
        Assert.That(canonical, Does.Contain(e.Changes), "the changes are hashed exactly as stored");
        Assert.That(e.Hash, Is.EqualTo(SHA256.HashData([.. buffer.ToArray(), .. AuditChain.Genesis])));
    }

    private static string Canonical(AuditEvent e)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            AuditChain.WriteCanonical(e, writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Test]
    public void A_sealed_reason_is_hashed_as_its_commitment_and_events_from_before_sealing_keep_the_first_form()
    {
        var e = Chain(1)[0];
        var commitment = new string('a', 64);
        var sealedReason = new AuditEvent
        {
            Id = e.Id, ChainId = e.ChainId, Strand = e.Strand, Sequence = e.Sequence, TrialId = e.TrialId, OccurredAt = e.OccurredAt,
            Action = e.Action, EntityType = e.EntityType, EntityId = e.EntityId, Changes = e.Changes, ActorUserId = e.ActorUserId,
            ActorRole = e.ActorRole, RequestId = e.RequestId, ReasonCommitment = commitment, PreviousHash = [], Hash = [],
        };
        var legacy = new AuditEvent
        {
            Id = e.Id, ChainId = e.ChainId, Action = e.Action, EntityType = e.EntityType, Changes = e.Changes, Format = 1, PreviousHash = [], Hash = [],
        };
        Assert.Multiple(() =>
        {
            Assert.That(Canonical(sealedReason), Does.EndWith($",{{\"commitment\":\"{commitment}\"}}]"));
            Assert.That(Canonical(legacy), Does.StartWith("[\"tm-audit-v1\","));
        });
    }

    [Test]
    public void A_valid_chain_over_several_strands_verifies()
    {
        var events = Chain(50, strands: 3);
        var verdict = Verify(events, Heads(events));
        Assert.Multiple(() =>
        {
            Assert.That(verdict.Valid, Is.True, string.Join("; ", verdict.Problems));
            Assert.That(verdict.EventsChecked, Is.EqualTo(50));
            Assert.That(verdict.FirstBrokenEventId, Is.Null);
        });
    }

    [TestCase("reason")]
    [TestCase("changes")]
    [TestCase("occurredAt")]
    [TestCase("actor")]
    public void Any_edited_field_breaks_that_event(string field)
    {
        var events = Chain(10);
        var heads = Heads(events).ToList();
        var victim = events[4];
        events[4] = Copy(victim, field);
        var verdict = Verify(events, heads);
        Assert.That(verdict.Valid, Is.False);
        Assert.That(verdict.FirstBrokenEventId, Is.EqualTo(victim.Id));
    }

    [Test]
    public void A_missing_event_breaks_the_next_one()
    {
        var events = Chain(10);
        var heads = Heads(events).ToList();
        var next = events[5].Id;
        events.RemoveAt(4);
        Assert.That(Verify(events, heads).FirstBrokenEventId, Is.EqualTo(next));
    }

    [Test]
    public void A_missing_tail_contradicts_the_strand_head()
    {
        var events = Chain(10);
        var heads = Heads(events).ToList();
        events.RemoveAt(9);
        var verdict = Verify(events, heads);
        Assert.That(verdict.Valid, Is.False);
        Assert.That(verdict.FirstBrokenEventId, Is.Null);
    }

    [Test]
    public void A_missing_tail_with_a_rewound_head_contradicts_a_checkpoint()
    {
        var events = Chain(10);
        var verifier = new ChainVerifier();
        verifier.ExpectCheckpoint(10, Heads(events));
        events.RemoveAt(9);
        foreach (var e in events)
            verifier.Add(e);
        var verdict = verifier.Finish(Heads(events));
        Assert.That(verdict.Valid, Is.False);
        Assert.That(verdict.CheckpointsChecked, Is.EqualTo(1));
    }

    [Test]
    public void Swapped_events_are_found()
    {
        var events = Chain(10);
        var heads = Heads(events).ToList();
        (events[3], events[4]) = (events[4], events[3]);
        Assert.That(Verify(events, heads).Valid, Is.False);
    }

    [Test]
    public void An_event_whose_hash_was_recomputed_still_breaks_its_successor()
    {
        var events = Chain(10);
        var heads = Heads(events).ToList();
        var edited = Copy(events[4], "reason");
        edited.Hash = new AuditChain.Hasher().Hash(edited, edited.PreviousHash);
        events[4] = edited;
        Assert.That(Verify(events, heads).FirstBrokenEventId, Is.EqualTo(events[5].Id));
    }

    private static AuditEvent Copy(AuditEvent e, string change) => new()
    {
        Id = e.Id, ChainId = e.ChainId, Strand = e.Strand, Sequence = e.Sequence, TrialId = e.TrialId,
        OccurredAt = change == "occurredAt" ? e.OccurredAt.AddSeconds(1) : e.OccurredAt,
        Action = e.Action, EntityType = e.EntityType, EntityId = e.EntityId,
        Changes = change == "changes" ? e.Changes.Replace("lost", "died") : e.Changes,
        ActorUserId = change == "actor" ? Guid.CreateVersion7() : e.ActorUserId, ActorRole = e.ActorRole, RequestId = e.RequestId,
        Reason = change == "reason" ? "another reason" : e.Reason, PreviousHash = e.PreviousHash, Hash = e.Hash,
    };
}
