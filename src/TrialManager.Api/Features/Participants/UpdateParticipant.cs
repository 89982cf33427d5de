using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Participants;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Participants;

/// <summary>
/// Corrects enrolment details or changes a participant's status. A status change or a move to another cluster
/// needs a reason; a status change keeps its effective date and reason in the participant's history.
/// </summary>
public static class UpdateParticipant
{
    public sealed record Command(string? ExternalId, Guid? ClusterId, ParticipantKind? Kind, DateOnly? ConsentDate, DateOnly? BaselineDate,
        ParticipantStatus? Status, DateOnly? StatusDate, string? Reason) : ICommand<ParticipantView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid ParticipantId { get; init; }

        public static TrialPermission Permission => TrialPermission.UpdateParticipants;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.ExternalId).IsCode().When(c => c.ExternalId is not null);
            RuleFor(c => c.ClusterId).NotEqual(Guid.Empty);
            RuleFor(c => c.Reason).IsReason();
            RuleFor(c => c.StatusDate).Null().When(c => c.Status is null)
                .WithMessage("'statusDate' goes with a 'status' change.");
        }
    }

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, CurrentUser user, TimeProvider clock, ParticipantViews views)
        : ICommandHandler<Command, ParticipantView>
    {
        public async ValueTask<ParticipantView> Handle(Command command, CancellationToken ct)
        {
            var participant = await SiteScope.Participants(db, caller).Include(p => p.StatusHistory)
                .SingleOrDefaultAsync(p => p.Id == command.ParticipantId, ct) ?? throw ProblemException.NotFound("participant");
            var now = clock.GetUtcNow();
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            var statusChanges = command.Status is { } s && s != participant.Status;
            var clusterMoves = command.ClusterId is { } c && c != participant.ClusterId;
            if ((statusChanges || clusterMoves) && string.IsNullOrWhiteSpace(command.Reason))
                throw ProblemException.Invalid("reason", "required-for-change",
                    "A change of status or of cluster needs a reason.");

            var siteId = await EnrolParticipant.SiteOfVisibleClusterAsync(db, caller, command.ClusterId ?? participant.ClusterId, ct);
            var consentDate = command.ConsentDate ?? participant.ConsentDate;
            var violations = ParticipantRules.CheckDates(consentDate, command.BaselineDate ?? participant.BaselineDate, today).ToList();
            var statusDate = command.StatusDate ?? today;
            if (statusChanges)
                violations.AddRange(ParticipantRules.CheckStatusDate(statusDate, consentDate, today));
            if (violations.Count > 0)
                throw ProblemException.Invalid(violations);

            participant.ExternalId = command.ExternalId ?? participant.ExternalId;
            participant.ClusterId = command.ClusterId ?? participant.ClusterId;
            participant.Kind = command.Kind ?? participant.Kind;
            participant.ConsentDate = consentDate;
            participant.BaselineDate = command.BaselineDate ?? participant.BaselineDate;
            if (statusChanges)
            {
                var change = new ParticipantStatusChange
                {
                    Id = Guid.CreateVersion7(now), TrialId = participant.TrialId, ParticipantId = participant.Id,
                    FromStatus = participant.Status, ToStatus = command.Status!.Value, EffectiveDate = statusDate,
                    Reason = command.Reason!, RecordedBy = user.Id, RecordedAt = now,
                };
                db.ParticipantStatusChanges.Add(change);
                participant.StatusHistory.Add(change);
                participant.Status = change.ToStatus;
                participant.StatusDate = statusDate;
                participant.StatusReason = change.Reason;
            }
            return (await views.OfAsync([(participant, siteId)], withHistory: true, "participant", ct))[0];
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPatch("/participants/{participantId:guid}", async (Guid trialId, Guid participantId, Command command, IMediator mediator,
                    CancellationToken ct) => TypedResults.Ok(await mediator.Send(command with { TrialId = trialId, ParticipantId = participantId }, ct)))
            .WithName("UpdateParticipant")
            .WithSummary("Correct a participant or change their status (a status change needs a reason)")
            .TrialWrite();
}
