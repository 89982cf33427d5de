using System.Buffers.Text;
using System.Text;
using FluentValidation;
using Mediator;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Conventions;

namespace TrialManager.Api.Features.Reminders;

/// <summary>
/// `GET /trials/{trialId}/reminders?state=&amp;siteId=`: the current follow-up state of each participant × follow-up
/// timepoint at the caller's sites (a researcher's own sites; every site for other roles). Blind: no arm.
/// </summary>
public static class ReadReminders
{
    public sealed record Filter(string? State, Guid? SiteId);

    public sealed record Query(Guid TrialId, Filter Filter, PageRequest Page) : IQuery<Page<ReminderView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadReminders;
    }

    public sealed record ReminderView(Guid ParticipantId, string ExternalId, string ClusterCode, Guid SiteId, string SiteCode,
        string TimepointCode, FollowUpState State, DateOnly WindowOpens, DateOnly Target, DateOnly WindowCloses);

    public sealed class Validator : AbstractValidator<Query>
    {
        public Validator() =>
            RuleFor(q => q.Filter.State)
                .Must(state => state is null || KebabCaseEnumConverter<FollowUpState>.TryFromWord(state, out _))
                .OverridePropertyName("state")
                .WithMessage($"'state' must be one of: {string.Join(", ", Enum.GetValues<FollowUpState>().Select(KebabCaseEnumConverter<FollowUpState>.ToWord))}.");
    }

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, PagingOptions paging, TimeProvider clock, ReminderOptions reminders)
        : IQueryHandler<Query, Page<ReminderView>>
    {
        public async ValueTask<Page<ReminderView>> Handle(Query query, CancellationToken ct)
        {
            if (query.Page.Limit is < 1)
                throw ProblemException.Invalid("limit", "greater-than-zero", "'limit' must be at least 1.");
            var limit = Math.Min(query.Page.Limit ?? paging.DefaultPageSize, paging.MaxPageSize);
            var after = Cursor.Parse(query.Page.Cursor);
            var state = QueryWords.Parse<FollowUpState>(query.Filter.State, "state");

            var participants = SiteScope.Participants(db, caller);
            if (query.Filter.SiteId is { } siteId)
                participants = participants.Where(p => p.Cluster!.SiteId == siteId);
            var rows = (await TrialFollowUps.LoadAsync(db, query.TrialId, participants, reminders.Today(clock),
                    reminders.Horizon, ct))
                .Where(r => state is null || r.FollowUp.State == state)
                .Select(r => (Key: Cursor.Of(r.FollowUp), Row: r))
                .Where(r => after is null || r.Key.CompareTo(after) > 0)
                .OrderBy(r => r.Key)
                .Take(limit + 1)
                .ToList();
            var next = rows.Count > limit ? rows[limit - 1].Key.Encode() : null;
            return new Page<ReminderView>(rows.Take(limit).Select(r => View(r.Row)).ToList(), next);
        }

        private static ReminderView View(SiteFollowUp row) => new(row.FollowUp.ParticipantId, row.ExternalId, row.ClusterCode, row.SiteId,
            row.SiteCode, row.FollowUp.TimepointCode, row.FollowUp.State, row.FollowUp.Window.Opens, row.FollowUp.Window.Target,
            row.FollowUp.Window.Closes);
    }

    /// <summary>Keyset position: participant (UUIDv7 bytes, so enrolment order), then timepoint offset and code.</summary>
    private sealed record Cursor(byte[] Participant, int OffsetDays, string TimepointCode) : IComparable<Cursor>
    {
        public static Cursor Of(FollowUp followUp) =>
            new(followUp.ParticipantId.ToByteArray(bigEndian: true), followUp.OffsetDays, followUp.TimepointCode);

        public int CompareTo(Cursor? other)
        {
            if (other is null)
                return 1;
            var byParticipant = Participant.AsSpan().SequenceCompareTo(other.Participant);
            if (byParticipant != 0)
                return byParticipant;
            return OffsetDays != other.OffsetDays ? OffsetDays.CompareTo(other.OffsetDays) : string.CompareOrdinal(TimepointCode, other.TimepointCode);
        }

        public string Encode() =>
            Base64Url.EncodeToString([.. Participant, .. BitConverter.GetBytes(OffsetDays), .. Encoding.UTF8.GetBytes(TimepointCode)]);

        public static Cursor? Parse(string? cursor)
        {
            if (string.IsNullOrEmpty(cursor))
                return null;
            try
            {
                var bytes = Base64Url.DecodeFromChars(cursor);
                if (bytes.Length > 20)
                    return new Cursor(bytes[..16], BitConverter.ToInt32(bytes, 16), Encoding.UTF8.GetString(bytes, 20, bytes.Length - 20));
            }
            catch (FormatException)
            {
            }
            throw ProblemException.Invalid("cursor", "cursor", "The cursor is not one this API gave out.");
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapGet("/reminders", async (Guid trialId, [AsParameters] Filter filter, [AsParameters] PageRequest page, IMediator mediator,
                    CancellationToken ct) => TypedResults.Ok(await mediator.Send(new Query(trialId, filter, page), ct)))
            .WithName("ListReminders")
            .WithSummary("Follow-ups by state at the caller's sites: not-yet, upcoming, open, closing, overdue, done, not-due (no arm)")
            .TrialRead().ProducesErrors(400, 422);
}
