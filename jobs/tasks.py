from django.tasks import task


@task
def run_book_job(job_id: int) -> str | None:
    """Runs one export or import of a whole book (jobs/services.py)."""
    from jobs.services import job_run

    job = job_run(job_id=job_id)
    return None if job is None else job.status
