using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using TrialManager.Data.Access;
using TrialManager.Data.Audit;
using TrialManager.Data.Conventions;
using TrialManager.Data.Exports;
using TrialManager.Data.Outcomes;
using TrialManager.Data.Reminders;
using TrialManager.Data.Requests;
using TrialManager.Data.Participants;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;

namespace TrialManager.Data;

public sealed class TrialManagerDbContext(DbContextOptions<TrialManagerDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<WebSession> WebSessions => Set<WebSession>();
    public DbSet<TrialMembership> TrialMemberships => Set<TrialMembership>();
    public DbSet<Trial> Trials => Set<Trial>();
    public DbSet<TrialArm> TrialArms => Set<TrialArm>();
    public DbSet<Site> Sites => Set<Site>();
    public DbSet<Cluster> Clusters => Set<Cluster>();
    public DbSet<Participant> Participants => Set<Participant>();
    public DbSet<ParticipantStatusChange> ParticipantStatusChanges => Set<ParticipantStatusChange>();
    public DbSet<RandomisationScheme> RandomisationSchemes => Set<RandomisationScheme>();
    public DbSet<Allocation> Allocations => Set<Allocation>();
    public DbSet<Unblinding> Unblindings => Set<Unblinding>();
    public DbSet<Instrument> Instruments => Set<Instrument>();
    public DbSet<Timepoint> Timepoints => Set<Timepoint>();
    public DbSet<ScheduleEntry> ScheduleEntries => Set<ScheduleEntry>();
    public DbSet<Assessment> Assessments => Set<Assessment>();
    public DbSet<DataQuery> DataQueries => Set<DataQuery>();
    public DbSet<BlindingGuess> BlindingGuesses => Set<BlindingGuess>();
    public DbSet<BlindingBreach> BlindingBreaches => Set<BlindingBreach>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<Export> Exports => Set<Export>();
    public DbSet<SentReminder> SentReminders => Set<SentReminder>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<AuditStrandHead> AuditStrandHeads => Set<AuditStrandHead>();
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TrialManagerDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        conventions.Properties<TrialStatus>().HaveConversion<KebabCaseEnumConverter<TrialStatus>>();
        conventions.Properties<ParticipantKind>().HaveConversion<KebabCaseEnumConverter<ParticipantKind>>();
        conventions.Properties<ParticipantStatus>().HaveConversion<KebabCaseEnumConverter<ParticipantStatus>>();
        conventions.Properties<TrialRole>().HaveConversion<KebabCaseEnumConverter<TrialRole>>();
    }
}
