using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace TrialManager.Data.Trials;

internal sealed class TrialConfiguration : IEntityTypeConfiguration<Trial>
{
    public void Configure(EntityTypeBuilder<Trial> trial)
    {
        trial.ToTable("trials");
        trial.Property(t => t.Code).HasMaxLength(Limits.Code);
        trial.Property(t => t.Title).HasMaxLength(Limits.Title);
        trial.Property(t => t.Registration).HasMaxLength(Limits.Code);
        trial.Property(t => t.Status).HasMaxLength(Limits.Word);
        trial.HasIndex(t => t.Code).IsUnique().HasDatabaseName("ux_trials_code");
        trial.HasMany(t => t.Arms).WithOne().HasForeignKey(a => a.TrialId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrialArmConfiguration : IEntityTypeConfiguration<TrialArm>
{
    public void Configure(EntityTypeBuilder<TrialArm> arm)
    {
        arm.ToTable("trial_arms");
        arm.Property(a => a.Code).HasMaxLength(Limits.Code);
        arm.Property(a => a.Label).HasMaxLength(Limits.Title);
        arm.HasIndex(a => new { a.TrialId, a.Code }).IsUnique().HasDatabaseName("ux_trial_arms_code");
    }
}
