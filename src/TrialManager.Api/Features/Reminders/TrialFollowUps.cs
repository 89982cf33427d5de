using Microsoft.EntityFrameworkCore;
using TrialManager.Data;
using TrialManager.Data.Participants;

namespace TrialManager.Api.Features.Reminders;

/// <summary>A follow-up with what a researcher needs to find the participant; never an arm.</summary>
public sealed record SiteFollowUp(FollowUp FollowUp, string ExternalId, string ClusterCode, Guid SiteId, string SiteCode);

/// <summary>Reads what <see cref="FollowUpStates"/> needs for a set of a trial's participants and computes their follow-ups.</summary>
public static class TrialFollowUps
{
    /// <summary>The follow-ups of `participants` (all of trial `trialId`), ordered by participant id, then timepoint.</summary>
    public static async Task<List<SiteFollowUp>> LoadAsync(TrialManagerDbContext db, Guid trialId, IQueryable<Participant> participants,
        DateOnly today, ReminderHorizon horizon, CancellationToken ct)
    {
        var timepoints = await db.Timepoints.AsNoTracking().Where(t => t.TrialId == trialId && t.OffsetDays > 0).ToListAsync(ct);
        if (timepoints.Count == 0)
            return [];
        var codes = timepoints.Select(t => t.Code).ToList();
        var schedule = await db.ScheduleEntries.AsNoTracking().Where(e => e.TrialId == trialId && codes.Contains(e.TimepointCode)).ToListAsync(ct);
        var people = await participants.AsNoTracking().OrderBy(p => p.Id)
            .Select(p => new
            {
                p.Id, p.ExternalId, p.Kind, p.BaselineDate, p.Status, ClusterCode = p.Cluster!.Code, p.Cluster.SiteId, SiteCode = p.Cluster.Site!.Code,
            })
            .ToListAsync(ct);
        var finishedStatuses = FollowUpStates.Finished.ToList();
        var finished = (await db.Assessments.AsNoTracking()
                .Where(a => a.TrialId == trialId && codes.Contains(a.TimepointCode) && finishedStatuses.Contains(a.Status)
                    && participants.Any(p => p.Id == a.ParticipantId))
                .Select(a => new { a.ParticipantId, a.TimepointCode, a.InstrumentCode })
                .ToListAsync(ct))
            .ToLookup(a => a.ParticipantId, a => (a.TimepointCode, a.InstrumentCode));
        var none = new HashSet<(string, string)>();
        return people.SelectMany(p => FollowUpStates
                .For(p.Id, p.Kind, p.BaselineDate, p.Status, timepoints, schedule,
                    finished.Contains(p.Id) ? finished[p.Id].ToHashSet() : none, today, horizon)
                .Select(f => new SiteFollowUp(f, p.ExternalId, p.ClusterCode, p.SiteId, p.SiteCode)))
            .ToList();
    }
}
