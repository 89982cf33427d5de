using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Outcomes;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>
/// Assessors record, after a follow-up assessment, which arm they guess the participant is in (or "dont-know") and
/// how sure they are; and report breaches of their blind. Nothing in the answers says whether a guess was right.
/// </summary>
public static class AssessorBlinding
{
    public const string DontKnow = "dont-know";

    public sealed record Guess(string? TimepointCode, string? Value, int? Confidence) : ICommand<GuessView>, ITrialRequest
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore]
        public Guid ParticipantId { get; init; }

        public static TrialPermission Permission => TrialPermission.RecordBlinding;
    }

    /// <summary>The contract's body names the guess `guess`.</summary>
    public sealed record GuessBody(string? TimepointCode, string? Guess, int? Confidence);

    public sealed class GuessValidator : AbstractValidator<Guess>
    {
        public GuessValidator()
        {
            RuleFor(c => c.TimepointCode).NotEmpty();
            RuleFor(c => c.Value).NotEmpty().OverridePropertyName("guess");
            RuleFor(c => c.Confidence).NotNull().InclusiveBetween(1, 5);
        }
    }

    /// <summary>What the assessor recorded, minus the guess itself: an answer that named an arm would be a view of one.</summary>
    public sealed record GuessView(Guid Id, Guid ParticipantId, string TimepointCode, int Confidence, DateTimeOffset RecordedAt);

    public sealed record Breach(Guid? ClusterId, Guid? ParticipantId, string? Description) : ICommand<BreachView>, ITrialRequest
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.RecordBlinding;
    }

    public sealed class BreachValidator : AbstractValidator<Breach>
    {
        public BreachValidator() => RuleFor(c => c.Description).NotEmpty().MaximumLength(TrialManager.Data.Limits.Reason);
    }

    public sealed record BreachView(Guid Id, Guid? ClusterId, Guid? ParticipantId, DateTimeOffset ReportedAt);

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, CurrentUser user, TimeProvider clock)
        : ICommandHandler<Guess, GuessView>, ICommandHandler<Breach, BreachView>
    {
        public async ValueTask<GuessView> Handle(Guess command, CancellationToken ct)
        {
            if (!await SiteScope.Participants(db, caller).AnyAsync(p => p.Id == command.ParticipantId, ct))
                throw ProblemException.NotFound("participant");
            var timepoint = await db.Timepoints.AsNoTracking().SingleOrDefaultAsync(t => t.TrialId == command.TrialId && t.Code == command.TimepointCode, ct)
                ?? throw ProblemException.Invalid("timepointCode", "exists", "No such timepoint in this trial.");
            if (timepoint.OffsetDays == 0)
                throw ProblemException.Invalid("timepointCode", "follow-up", "Guesses are recorded after follow-up assessments, not at baseline.");
            var arms = await db.TrialArms.Where(a => a.TrialId == command.TrialId).Select(a => a.Code).ToListAsync(ct);
            if (command.Value != DontKnow && !arms.Contains(command.Value!))
                throw ProblemException.Invalid("guess", "one-of", $"A guess is one of the trial's arm codes, or \"{DontKnow}\".");
            var guess = new BlindingGuess
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, ParticipantId = command.ParticipantId,
                TimepointCode = command.TimepointCode!, Guess = command.Value!, Confidence = command.Confidence!.Value, RecordedBy = user.Id,
                RecordedAt = clock.GetUtcNow(),
            };
            db.BlindingGuesses.Add(guess);
            return new GuessView(guess.Id, guess.ParticipantId, guess.TimepointCode, guess.Confidence, guess.RecordedAt);
        }

        public async ValueTask<BreachView> Handle(Breach command, CancellationToken ct)
        {
            if (command.ClusterId is { } clusterId && !await db.Clusters.AnyAsync(c => c.TrialId == command.TrialId && c.Id == clusterId, ct))
                throw ProblemException.Invalid("clusterId", "exists", "No such cluster in this trial.");
            if (command.ParticipantId is { } participantId && !await SiteScope.Participants(db, caller).AnyAsync(p => p.Id == participantId, ct))
                throw ProblemException.Invalid("participantId", "exists", "No such participant among your sites.");
            var breach = new BlindingBreach
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, ClusterId = command.ClusterId,
                ParticipantId = command.ParticipantId, Description = command.Description!, ReportedBy = user.Id, ReportedAt = clock.GetUtcNow(),
            };
            db.BlindingBreaches.Add(breach);
            return new BreachView(breach.Id, breach.ClusterId, breach.ParticipantId, breach.ReportedAt);
        }
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPost("/participants/{participantId:guid}/blinding-guesses", async (Guid trialId, Guid participantId, GuessBody body,
                IMediator mediator, CancellationToken ct) =>
            {
                var guess = await mediator.Send(new Guess(body.TimepointCode, body.Guess, body.Confidence) { TrialId = trialId, ParticipantId = participantId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/participants/{participantId}/blinding-guesses/{guess.Id}", guess);
            })
            .WithName("RecordBlindingGuess")
            .WithSummary("Record the assessor's guess of the participant's arm after a follow-up assessment (researcher)")
            .TrialWrite();
        trial.MapPost("/blinding-breaches", async (Guid trialId, Breach command, IMediator mediator, CancellationToken ct) =>
            {
                var breach = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/blinding-breaches/{breach.Id}", breach);
            })
            .WithName("ReportBlindingBreach")
            .WithSummary("Report a breach of the assessor's blind (researcher)")
            .TrialWrite();
    }
}
