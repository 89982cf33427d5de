using TrialManager.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Api.Features.Audit;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Reminders;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Reminders;

/// <summary>
/// The recurring job `follow-up-reminders`: one digest e-mail per researcher and trial of the follow-ups at their
/// sites that are upcoming, open, closing or overdue and that they have not yet been told about in that state.
/// Hangfire runs a job at least once, so each reminder is recorded (participant, timepoint, state, recipient) in the
/// same transaction that is committed only after the mail went out: a failed send records nothing and the next run
/// (Hangfire's retry, or tomorrow's) sends it; a re-run sends nothing already sent.
/// </summary>
public sealed class FollowUpReminderJob(TrialManagerDbContext db, TimeProvider clock, ReminderOptions reminders, SmtpOptions smtp,
    ILogger<FollowUpReminderJob> logger)
{
    private sealed record Recipient(Guid UserId, string Name, string Email, IReadOnlySet<Guid> SiteIds);

    public Task RunAsync(CancellationToken ct) => SendDigestsAsync(ct);

    /// <summary>One round over every trial that is not locked. Returns how many digests went out; throws if any failed.</summary>
    public async Task<int> SendDigestsAsync(CancellationToken ct)
    {
        var today = reminders.Today(clock);
        var horizon = reminders.Horizon;
        var trials = await db.Trials.AsNoTracking().Where(t => t.Status != TrialStatus.Locked).OrderBy(t => t.Id)
            .Select(t => new { t.Id, t.Code, t.Title }).ToListAsync(ct);
        var (sent, failed) = (0, new List<string>());
        foreach (var trial in trials)
        {
            var recipients = (await db.TrialMemberships.AsNoTracking()
                    .Where(m => m.TrialId == trial.Id && m.Role == TrialRole.Researcher && m.SiteIds.Count > 0 && m.User!.Email != "")
                    .Select(m => new { m.UserId, m.User!.DisplayName, m.User.Email, m.SiteIds })
                    .ToListAsync(ct))
                .Select(m => new Recipient(m.UserId, m.DisplayName, m.Email, m.SiteIds.ToHashSet()))
                .ToList();
            if (recipients.Count == 0)
                continue;
            var due = (await TrialFollowUps.LoadAsync(db, trial.Id, db.Participants.Where(p => p.TrialId == trial.Id), today, horizon, ct))
                .Where(f => FollowUpStates.Reminded.Contains(f.FollowUp.State))
                .ToList();
            var already = (await db.SentReminders.AsNoTracking().Where(r => r.TrialId == trial.Id)
                    .Select(r => new { r.ParticipantId, r.TimepointCode, r.State, r.RecipientUserId }).ToListAsync(ct))
                .Select(r => (r.ParticipantId, r.TimepointCode, r.State, r.RecipientUserId))
                .ToHashSet();
            foreach (var recipient in recipients)
            {
                var news = due.Where(f => recipient.SiteIds.Contains(f.SiteId)
                        && !already.Contains((f.FollowUp.ParticipantId, f.FollowUp.TimepointCode, Word(f.FollowUp.State), recipient.UserId)))
                    .ToList();
                if (news.Count == 0)
                    continue;
                var digest = new Digest(trial.Code, trial.Title, today, recipient.Name, recipient.Email, news, horizon);
                try
                {
                    if (await SendOnceAsync(trial.Id, recipient.UserId, digest, ct))
                        sent++;
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    db.ChangeTracker.Clear();
                    logger.LogWarning(e, "The follow-up digest of trial {TrialCode} for user {UserId} could not be sent", trial.Code, recipient.UserId);
                    failed.Add($"{trial.Code} → user {recipient.UserId}: {e.Message}");
                }
            }
        }
        if (failed.Count > 0)
            throw new InvalidOperationException(
                $"{failed.Count} follow-up digest(s) failed and will be sent on retry ({sent} sent): {string.Join("; ", failed)}");
        return sent;
    }

    /// <summary>
    /// Records the digest's reminders, sends it, then commits. A concurrent run that recorded the same reminders first
    /// makes the insert wait for it and then fail on the unique key: that run sent them, so this one sends nothing.
    /// Concurrent runs can also deadlock on that key and the audit strands before anything is sent; the transaction
    /// is then simply run again (<see cref="Transactions"/>).
    /// </summary>
    private async Task<bool> SendOnceAsync(Guid trialId, Guid recipientId, Digest digest, CancellationToken ct)
    {
        using var audit = AuditScope.System("follow-up reminder digest");
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await db.InTransactionAsync(async token =>
            {
                AuditScope.Current!.HeldStrands.Clear();
                var now = clock.GetUtcNow();
                db.SentReminders.AddRange(digest.FollowUps.Select(f => new SentReminder
                {
                    Id = Guid.CreateVersion7(now), TrialId = trialId, ParticipantId = f.FollowUp.ParticipantId, TimepointCode = f.FollowUp.TimepointCode,
                    State = Word(f.FollowUp.State), RecipientUserId = recipientId, SentAt = now,
                }));
                await db.SaveChangesAsync(token);
                await DigestMail.SendAsync(smtp, DigestMail.Compose(digest, smtp.From), token);
            }, ct);
            return true;
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private static string Word(FollowUpState state) => Data.Conventions.KebabCaseEnumConverter<FollowUpState>.ToWord(state);
}
