"""Package metadata comes from settings.ini (nbdev 2); no pkg_resources, no pyproject.toml."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
c = cfg['DEFAULT']

requirements = c.get('requirements', '').split()
dev_requirements = c.get('dev_requirements', '').split()
docs_requirements = c.get('docs_requirements', '').split()
console_scripts = c.get('console_scripts', '').split()

setuptools.setup(
    name=c['lib_name'], version=c['version'], description=c['description'],
    license='Apache-2.0', author=c['author'], author_email=c['author_email'],
    url=c['git_url'], python_requires=f">={c['min_python']}",
    packages=setuptools.find_packages(include=['udass', 'udass.*']),
    include_package_data=True, install_requires=requirements,
    extras_require={'dev': dev_requirements, 'docs': dev_requirements + docs_requirements},
    entry_points={'console_scripts': console_scripts, 'nbdev': [f"{c['lib_path']}={c['lib_path']}._modidx:d"]},
    zip_safe=False,
)
