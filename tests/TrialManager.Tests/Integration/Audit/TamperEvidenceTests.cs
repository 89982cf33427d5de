using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TrialManager.Api.Features.Audit;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Audit;

/// <summary>
/// A database superuser who bypasses the append-only triggers can still not change history unnoticed:
/// verification names the first broken event, and checkpoints reveal a cut-off tail.
/// </summary>
public sealed class TamperEvidenceTests : IntegrationTest
{
    private TrialWorld _world = null!;

    [SetUp]
    public async Task TrialWithHistoryAsync() => _world = await NewTrialAsync();

    /// <summary>As a superuser with triggers off for this session only, as an attacker with database access would.</summary>
    private static Task TamperAsync(string sql) => Db.ExecuteAsync($"SET session_replication_role = replica; {sql}");

    private async Task<ApiResponse> VerifyAsync() => await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/audit/verify", _world.Monitor));

    private Task<Guid> EventAsync(long sequence, int strand = 0) =>
        Db.ScalarAsync<Guid>("SELECT id FROM audit_events WHERE chain_id = $1 AND strand = $2 AND sequence = $3", _world.TrialId, strand, sequence);

    private Task<long> LastSequenceAsync(int strand = 0) =>
        Db.ScalarAsync<long>("SELECT max(sequence) FROM audit_events WHERE chain_id = $1 AND strand = $2", _world.TrialId, strand);

    [Test]
    public async Task An_untouched_trail_verifies()
    {
        var verdict = await VerifyAsync();
        Assert.Multiple(() =>
        {
            Assert.That(verdict["valid"].GetValue<bool>(), Is.True, verdict.ToString());
            Assert.That(verdict["eventsChecked"].GetValue<long>(), Is.GreaterThan(10));
            Assert.That(verdict.Json!["firstBrokenEventId"], Is.Null);
        });
    }

    [Test]
    public async Task An_edited_event_is_named()
    {
        var victim = await EventAsync(4);
        await TamperAsync($"UPDATE audit_events SET occurred_at = occurred_at + interval '1 second' WHERE id = '{victim}'");
        var verdict = await VerifyAsync();
        Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
        Assert.That(verdict["firstBrokenEventId"].GetValue<Guid>(), Is.EqualTo(victim));
        await TamperAsync($"UPDATE audit_events SET occurred_at = occurred_at - interval '1 second' WHERE id = '{victim}'");
        Assert.That((await VerifyAsync())["valid"].GetValue<bool>(), Is.True, "undoing the edit restores the chain");
    }

    [Test]
    public async Task An_edited_change_value_is_named()
    {
        var victim = await EventAsync(3);
        await TamperAsync($"UPDATE audit_events SET changes = replace(changes::text, 'SLAM', 'XXXX')::json, reason = 'cover-up' WHERE id = '{victim}'");
        Assert.That((await VerifyAsync())["firstBrokenEventId"].GetValue<Guid>(), Is.EqualTo(victim));
    }

    [Test]
    public async Task A_deleted_event_is_found_at_the_event_after_it()
    {
        var victim = await EventAsync(5);
        var next = await EventAsync(6);
        await TamperAsync($"DELETE FROM audit_events WHERE id = '{victim}'");
        var verdict = await VerifyAsync();
        Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
        Assert.That(verdict["firstBrokenEventId"].GetValue<Guid>(), Is.EqualTo(next));
    }

    [Test]
    public async Task Reordered_events_are_found()
    {
        var (a, b) = (await EventAsync(5), await EventAsync(6));
        await TamperAsync($"""
            UPDATE audit_events SET sequence = -1 WHERE id = '{a}';
            UPDATE audit_events SET sequence = 5 WHERE id = '{b}';
            UPDATE audit_events SET sequence = 6 WHERE id = '{a}';
            """);
        var verdict = await VerifyAsync();
        Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
        Assert.That(verdict["firstBrokenEventId"].GetValue<Guid>(), Is.AnyOf(a, b));
    }

    [Test]
    public async Task An_inserted_event_is_found()
    {
        var last = await LastSequenceAsync();
        var forged = Guid.CreateVersion7();
        await TamperAsync($"""
            INSERT INTO audit_events (id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes,
                actor_user_id, actor_role, request_id, reason, previous_hash, hash)
            SELECT '{forged}', chain_id, strand, sequence + 1, trial_id, occurred_at, 'delete', entity_type, entity_id, changes,
                actor_user_id, actor_role, request_id, 'forged', hash, sha256(hash)
            FROM audit_events WHERE chain_id = '{_world.TrialId}' AND strand = 0 AND sequence = {last}
            """);
        var verdict = await VerifyAsync();
        Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
        Assert.That(verdict["firstBrokenEventId"].GetValue<Guid>(), Is.EqualTo(forged));
    }

    [Test]
    public async Task A_removed_tail_is_found_through_the_strand_head()
    {
        var last = await EventAsync(await LastSequenceAsync());
        await TamperAsync($"DELETE FROM audit_events WHERE id = '{last}'");
        var verdict = await VerifyAsync();
        Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
        Assert.That(string.Join(" ", verdict["problems"].AsArray()), Does.Contain("head"));
    }

    [Test]
    public async Task A_removed_tail_with_a_forged_head_is_found_through_a_checkpoint()
    {
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/audit/checkpoints", null, _world.Monitor));
        var lastSequence = await LastSequenceAsync();
        var last = await EventAsync(lastSequence);
        await TamperAsync($"""
            DELETE FROM audit_events WHERE id = '{last}';
            UPDATE audit_strand_heads h SET sequence = e.sequence, hash = e.hash
            FROM audit_events e WHERE e.chain_id = h.chain_id AND e.strand = h.strand AND e.sequence = {lastSequence - 1}
              AND h.chain_id = '{_world.TrialId}' AND h.strand = 0;
            """);
        var verdict = await VerifyAsync();
        Assert.Multiple(() =>
        {
            Assert.That(verdict["valid"].GetValue<bool>(), Is.False);
            Assert.That(verdict["checkpointsChecked"].GetValue<int>(), Is.EqualTo(1));
            Assert.That(string.Join(" ", verdict["problems"].AsArray()), Does.Contain("checkpoint"));
        });
    }

    [Test]
    public async Task Concurrent_writers_to_one_trial_keep_a_valid_chain()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 40)
            .Select(_ => Api.Post($"{_world.Path}/participants", NewParticipant(_world.ClusterA), _world.ResearcherA)));
        Assert.That(answers.Select(a => a.Code), Is.All.EqualTo(201));
        var verdict = await VerifyAsync();
        var stored = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE chain_id = $1", _world.TrialId);
        Assert.Multiple(() =>
        {
            Assert.That(verdict["valid"].GetValue<bool>(), Is.True, verdict.ToString());
            Assert.That(verdict["eventsChecked"].GetValue<long>(), Is.EqualTo(stored));
        });
    }

    [Test]
    public async Task The_recurring_checkpoint_covers_every_chain_that_moved_once()
    {
        var written = await CheckpointRoundAsync();
        Assert.That(written, Is.EqualTo(2), "the trial's chain and the system chain (users, tokens)");
        Assert.That(await CheckpointRoundAsync(), Is.Zero, "nothing moved since");
        await Expect(HttpStatusCode.OK, Api.Patch(_world.Path, new { title = "moved" }, _world.Manager));
        Assert.That(await CheckpointRoundAsync(), Is.EqualTo(1));
        Assert.That((await VerifyAsync())["checkpointsChecked"].GetValue<int>(), Is.EqualTo(2));
    }

    private static async Task<int> CheckpointRoundAsync()
    {
        using var scope = TestHost.Factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<AuditCheckpointJob>().RunAsync(CancellationToken.None);
    }

    [Test]
    public async Task Checkpoints_record_the_heads_and_the_event_count()
    {
        var checkpoint = await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/audit/checkpoints", null, _world.Monitor));
        var stored = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE chain_id = $1", _world.TrialId);
        Assert.That(checkpoint["eventCount"].GetValue<long>(), Is.EqualTo(stored));
        var listed = await Api.Get($"{_world.Path}/audit/checkpoints", _world.Monitor);
        Assert.That(listed["items"].AsArray().Single()!["id"]!.GetValue<Guid>(), Is.EqualTo(checkpoint.Id));
    }
}
