using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;

namespace TrialManager.Data.Outcomes;

internal sealed class InstrumentConfiguration : IEntityTypeConfiguration<Instrument>
{
    public void Configure(EntityTypeBuilder<Instrument> instrument)
    {
        instrument.ToTable("instruments");
        instrument.Property(i => i.Code).HasMaxLength(Limits.Code);
        instrument.Property(i => i.Title).HasMaxLength(Limits.Title);
        instrument.Property(i => i.Definition).HasColumnType("jsonb");
        instrument.HasOne<Trial>().WithMany().HasForeignKey(i => i.TrialId).OnDelete(DeleteBehavior.Restrict);
        instrument.HasIndex(i => new { i.TrialId, i.Code, i.Version }).IsUnique().HasDatabaseName("ux_instruments_version");
    }
}

internal sealed class TimepointConfiguration : IEntityTypeConfiguration<Timepoint>
{
    public void Configure(EntityTypeBuilder<Timepoint> timepoint)
    {
        timepoint.ToTable("timepoints");
        timepoint.Property(t => t.Code).HasMaxLength(Limits.Code);
        timepoint.Property(t => t.Label).HasMaxLength(Limits.Title);
        timepoint.HasOne<Trial>().WithMany().HasForeignKey(t => t.TrialId).OnDelete(DeleteBehavior.Restrict);
        timepoint.HasIndex(t => new { t.TrialId, t.Code }).IsUnique().HasDatabaseName("ux_timepoints_code");
    }
}

internal sealed class ScheduleEntryConfiguration : IEntityTypeConfiguration<ScheduleEntry>
{
    public void Configure(EntityTypeBuilder<ScheduleEntry> entry)
    {
        entry.ToTable("schedule_entries");
        entry.Property(e => e.TimepointCode).HasMaxLength(Limits.Code);
        entry.Property(e => e.InstrumentCode).HasMaxLength(Limits.Code);
        entry.Property(e => e.ParticipantKind).HasMaxLength(Limits.Word);
        entry.HasOne<Trial>().WithMany().HasForeignKey(e => e.TrialId).OnDelete(DeleteBehavior.Restrict);
        entry.HasIndex(e => new { e.TrialId, e.TimepointCode, e.InstrumentCode, e.ParticipantKind }).IsUnique()
            .HasDatabaseName("ux_schedule_entries_instrument_code");
    }
}

internal sealed class AssessmentConfiguration : IEntityTypeConfiguration<Assessment>
{
    public void Configure(EntityTypeBuilder<Assessment> assessment)
    {
        assessment.ToTable("assessments");
        assessment.Property(a => a.TimepointCode).HasMaxLength(Limits.Code);
        assessment.Property(a => a.InstrumentCode).HasMaxLength(Limits.Code);
        assessment.Property(a => a.Status).HasMaxLength(Limits.Word);
        assessment.Property(a => a.Answers).HasColumnType("jsonb");
        assessment.Property(a => a.Scores).HasColumnType("jsonb");
        assessment.HasOne<Trial>().WithMany().HasForeignKey(a => a.TrialId).OnDelete(DeleteBehavior.Restrict);
        assessment.HasOne<Participant>().WithMany().HasForeignKey(a => a.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        assessment.HasIndex(a => new { a.ParticipantId, a.TimepointCode, a.InstrumentCode }).IsUnique()
            .HasDatabaseName("ux_assessments_instrument_code");
        assessment.HasIndex(a => new { a.TrialId, a.Id });
    }
}

internal sealed class DataQueryConfiguration : IEntityTypeConfiguration<DataQuery>
{
    public void Configure(EntityTypeBuilder<DataQuery> query)
    {
        query.ToTable("data_queries");
        query.Property(q => q.ItemCode).HasMaxLength(Limits.Code);
        query.Property(q => q.Question).HasMaxLength(Limits.Reason);
        query.Property(q => q.Status).HasMaxLength(Limits.Word);
        query.Property(q => q.Answer).HasMaxLength(Limits.Reason);
        query.Property(q => q.CloseNote).HasMaxLength(Limits.Reason);
        query.HasOne<Trial>().WithMany().HasForeignKey(q => q.TrialId).OnDelete(DeleteBehavior.Restrict);
        query.HasOne<Assessment>().WithMany().HasForeignKey(q => q.AssessmentId).OnDelete(DeleteBehavior.Restrict);
        query.HasIndex(q => new { q.TrialId, q.Status });
    }
}

internal sealed class BlindingGuessConfiguration : IEntityTypeConfiguration<BlindingGuess>
{
    public void Configure(EntityTypeBuilder<BlindingGuess> guess)
    {
        guess.ToTable("blinding_guesses");
        guess.Property(g => g.TimepointCode).HasMaxLength(Limits.Code);
        guess.Property(g => g.Guess).HasMaxLength(Limits.Code);
        guess.HasOne<Trial>().WithMany().HasForeignKey(g => g.TrialId).OnDelete(DeleteBehavior.Restrict);
        guess.HasOne<Participant>().WithMany().HasForeignKey(g => g.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        guess.HasIndex(g => new { g.ParticipantId, g.TimepointCode }).IsUnique().HasDatabaseName("ux_blinding_guesses_timepoint_code");
    }
}

internal sealed class BlindingBreachConfiguration : IEntityTypeConfiguration<BlindingBreach>
{
    public void Configure(EntityTypeBuilder<BlindingBreach> breach)
    {
        breach.ToTable("blinding_breaches");
        breach.Property(b => b.Description).HasMaxLength(Limits.Reason);
        breach.HasOne<Trial>().WithMany().HasForeignKey(b => b.TrialId).OnDelete(DeleteBehavior.Restrict);
    }
}
